/**
 * The one error type of NIfTI IO. Its message starts with the file path, then says the problem,
 * so a bad case in a dataset of hundreds is found from the message alone (DESIGN.md, Data).
 */

export class NiftiError extends Error {
  readonly path: string;

  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, options);
    this.name = 'NiftiError';
    this.path = path;
  }
}

/** Wrap a Node fs error (ENOENT, EACCES, EISDIR, ...) as a NiftiError that says what failed. */
export function fsError(path: string, err: unknown, doing: 'read' | 'write'): NiftiError {
  const e = err as NodeJS.ErrnoException;
  if (doing === 'read' && e?.code === 'ENOENT') return new NiftiError(path, 'file not found', { cause: err });
  if (e?.code === 'EISDIR') return new NiftiError(path, 'is a directory, not a NIfTI file', { cause: err });
  const detail = e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
  return new NiftiError(path, `cannot ${doing} file (${detail})`, { cause: err });
}
