/**
 * `frugal`: the command-line door to the engine (DESIGN.md, Processes). Every verb calls the same
 * engine functions the app does; `--json` prints one event per line for scripts.
 *
 *   frugal doctor                        backend choice and why, versions, threads, memory
 *   frugal demo-data brats --out DIR     synthetic BraTS-like cases as real .nii.gz files
 *   frugal demo-data coco --out DIR      synthetic shapes detection set in COCO format (JPEG + instances JSON)
 *   frugal demo-data images --out DIR    synthetic shapes classification set as class folders (PNG)
 *   frugal demo-data text --out DIR      Moby-Dick corpus + an E2E-format data-to-text set of country facts (SPDF)
 *   frugal train brats --data DIR ...    train (every config key is a flag; --preset, --resume)
 *   frugal predict --run RUN --data DIR  masks as NIfTI in the scans' geometry
 *   frugal evaluate --run RUN            Dice / HD95 per case and region, CSV + JSON
 *   frugal runs                          the run history
 *   frugal serve                         the app in a browser (URL with an access token)
 */
import { Command, CommanderError, Option } from 'commander';
import { appPackageJson } from '../training/runs/paths';
import { EXPERIMENTS } from '../training/experiments/registry';
import { configJsonSchema, kebab } from '../training/experiments/config';
import { doctorCommand, demoDataCommand, evaluateCommand, predictCommand, runsCommand, trainCommand } from './commands';
import { serveCommand } from './serve';

function buildProgram(): Command {
  const program = new Command('frugal')
    .description('Frugal Studio: memory-frugal training of medical and vision models (TensorFlow.js)')
    .version(appPackageJson()?.version ?? '0.0.0')
    .showHelpAfterError('(run with --help for usage)');

  const common = (c: Command) =>
    c
      .option('--runs <dir>', 'runs folder (default: $FRUGAL_RUNS or the app data folder)')
      .option('--backend <name>', 'force a tfjs backend: cpu, tensorflow, tensorflow-gpu, wasm, webgpu (default: $FRUGAL_BACKEND or the best available)')
      .option('--json', 'print one JSON event per line on stdout');

  common(program.command('doctor').description('report the tfjs backend chosen and why, versions, threads and memory')).action(doctorCommand);

  program
    .command('demo-data')
    .description('write a synthetic demo dataset in a real format: brats (NIfTI cases), coco (detection: images + instances JSON), images (class folders), text (Moby-Dick corpus + E2E-format country facts, for SPDF)')
    .argument('<kind>', 'dataset kind: brats, coco, images or text')
    .requiredOption('--out <dir>', 'output folder (created; existing case folders or train/val/annotations folders are never overwritten; text: must be new or empty)')
    .option('--seed <k>', 'seed', '0')
    .option('--size <px>', 'brats: edge of the cubic grid in voxels, or NX,NY,NZ (e.g. 240,240,155), default 64; coco: image side, default 128; images: image side, default 64')
    .option('--cases <n>', 'brats: number of cases (default 8)')
    .option('--scheme <scheme>', 'brats: file naming, 2018-2021 or 2023 (default 2018-2021)')
    .option('--images <n>', 'coco: train images (default 200)')
    .option('--val <n>', 'coco: val images (default 50)')
    .option('--per-class <n>', 'images: train images per class (default 40)')
    .option('--val-per-class <n>', 'images: val images per class (default per-class / 4, rounded up)')
    .action(demoDataCommand);

  const train = program.command('train').description('train an experiment (see `frugal train <experiment> --help` for its settings)');
  for (const exp of Object.values(EXPERIMENTS)) {
    const cmd = common(train.command(exp.id).description(`${exp.title}. ${exp.description}`));
    cmd.option('--preset <name>', `preset: ${Object.entries(exp.presets).map(([k, p]) => `${k} (${p.description})`).join('; ')}`);
    cmd.option('--resume <run>', 'continue a stopped or interrupted run (id, id prefix or folder) from its newest checkpoint');
    const schema = configJsonSchema(exp);
    for (const [key, prop] of Object.entries(schema.properties)) {
      const typeHint = prop.type === 'array' ? 'list' : prop.type === 'boolean' ? 'true|false' : prop.enum ? (prop.enum as string[]).join('|') : prop.type ?? 'value';
      const opt = new Option(`--${kebab(key)} <${typeHint}>`, prop.description ?? key);
      if (prop.default !== undefined) opt.default(undefined, JSON.stringify(prop.default)); // shown in --help; the schema applies it
      cmd.addOption(opt);
    }
    cmd.action((opts: Record<string, unknown>) => trainCommand(exp.id, opts));
  }

  common(program.command('predict').description('predict masks with a trained run and write them as NIfTI in the source geometry'))
    .requiredOption('--run <run>', 'run id, id prefix or folder')
    .requiredOption('--data <dir>', 'dataset folder or one case folder')
    .option('--checkpoint <which>', 'best, last, or a checkpoint file', 'best')
    .action(predictCommand);

  common(program.command('evaluate').description("Dice and HD95 of a run's predictions against the ground truth"))
    .requiredOption('--run <run>', 'run id, id prefix or folder')
    .option('--predictions <dir>', 'prediction folder (default: the newest of the run)')
    .option('--data <dir>', 'ground-truth dataset (default: the one the predictions were made from)')
    .action(evaluateCommand);

  common(program.command('runs').description('list runs, newest first')).action(runsCommand);

  program
    .command('serve')
    .description('serve the app to a browser: the interface over HTTP, the engine over WebSocket (prints the URL with its access token)')
    .option('--host <address>', 'address to bind (another than 127.0.0.1 exposes the engine to the network: the token is the only lock)', '127.0.0.1')
    .option('--port <n>', 'port (0 = any free port)', '5317')
    .option('--runs <dir>', 'runs folder (default: $FRUGAL_RUNS or the app data folder)')
    .option('--backend <name>', 'force a tfjs backend in the engine: cpu, tensorflow, tensorflow-gpu, wasm, webgpu')
    .option('--token <token>', 'access token (default: a new random one each start)')
    .option('--no-open', 'do not open a browser')
    .action(serveCommand);
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`frugal: ${(e as Error).message}\n`);
    if (process.env.FRUGAL_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
