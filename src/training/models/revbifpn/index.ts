/**
 * RevBiFPN: the fully reversible bidirectional feature pyramid network (Chiley, Thangarasa, Gupta,
 * Samar, Hestness, DeCoste; MLSys 2023, arXiv 2206.14098; official code
 * github.com/CerebrasResearch/RevBiFPN; METHODS.md §2). Images are channels-last [B,H,W,3]; the
 * backbone returns 4 scales [B,H/4·2^−i,W/4·2^−i,c_i] (finest first).
 *
 * Layout: DESIGN.md suggests one file models/revbifpn.ts; the model is a folder of small files named
 * for what they hold instead, because it has several independent reversible structures with their
 * own tests (together ~900 lines; STYLE.md asks for model files under ~400):
 *   config.ts      S0–S6 scaling table, the generator `revbifpnConfig`, validation, shape helpers
 *   params.ts      the architecture as module specs → named shapes (count), init, param/stat trees
 *   upsample.ts    bilinear ×2^k (half-pixel) from matMuls: tfjs's ResizeBilinearGrad is wrong here
 *   stem.ts        RGB tiling and the reversible space-to-depth
 *   rev-block.ts   stochastic depth (seeded, replayable) and the RevResidualBlock coupling
 *   silo.ts        RevSilo (plain and growing) with a hand-written reconstruct-and-VJP backward
 *   backbone.ts    the reversible stack as one nn/reversible.ts sequence
 *   neck-head.ts   neck (per-scale MBConv) and the classification head
 * The reversible mechanism itself is nn/reversible.ts (shared with the 3D U-Net); the 2-D layers
 * are nn/{conv2d,depthwise2d,batchnorm,mbconv2d}.ts.
 *
 * Usage:
 *   const cfg = revbifpnConfig('S0', { classes: 10 });             // or { reversible: false } for the twin
 *   const { params, stats } = initRevBifpn(cfg, new Rng(seed));
 *   revbifpnParamCount(revbifpnConfig('S0'));                      // 3,419,196
 *   const feats = applyRevBifpnBackbone(params, stats, x, cfg, { training: true, seed: step }); // 4 scales
 *   const logits = applyRevBifpnClassifier(params, stats, x, cfg, { training: true, seed: step }); // [B, classes]
 */
export {
  REVBIFPN_BASE,
  REVBIFPN_SCALING,
  REVBIFPN_VARIANTS,
  checkInputSize,
  revbifpnBackboneShapes,
  revbifpnConfig,
  revbifpnSizeMultiple,
  revbifpnStageCount,
  scaleWidth,
  validateRevBifpnConfig,
  type RevBifpnConfig,
  type RevBifpnScaling,
  type RevBifpnVariant,
} from './config';
export {
  initRevBifpn,
  mapRevBifpnTree,
  revbifpnParamCount,
  revbifpnParamShapes,
  revbifpnSpecs,
  type RevBifpnParams,
  type RevBifpnSpecs,
  type RevBifpnStats,
} from './params';
export { applyRevBifpnBackbone, revbifpnBlocks, type RevBifpnApplyOptions } from './backbone';
export { applyRevBifpnClassifier, applyRevBifpnHead, applyRevBifpnNeck } from './neck-head';
export { dropPath, revResidualBlock, type RevBifpnRunContext } from './rev-block';
export { revSilo } from './silo';
export { depthToSpace, spaceToDepth, spaceToDepthBlock, tileChannels } from './stem';
export { bilinearMatrix, upsampleBilinear } from './upsample';
