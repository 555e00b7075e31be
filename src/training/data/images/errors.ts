/**
 * The error type of image-dataset IO (IDX, packaged JSON, image folders, CSV). Like NiftiError,
 * the message starts with the file or folder, then says the problem (and the field or line), so a
 * bad file among thousands is found from the message alone (DESIGN.md, Data).
 */

export class DatasetError extends Error {
  readonly path: string;

  constructor(path: string, problem: string, options?: { cause?: unknown }) {
    super(`${path}: ${problem}`, options);
    this.name = 'DatasetError';
    this.path = path;
  }
}

/** A Node fs error (ENOENT, EACCES, EISDIR, ...) as a DatasetError saying what failed. */
export function fsDatasetError(path: string, err: unknown, what = 'file'): DatasetError {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return new DatasetError(path, `${what} not found`, { cause: err });
  if (e?.code === 'EISDIR') return new DatasetError(path, `is a folder, not a ${what}`, { cause: err });
  if (e?.code === 'ENOTDIR') return new DatasetError(path, `is not a folder`, { cause: err });
  const detail = e?.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
  return new DatasetError(path, `cannot read ${what} (${detail})`, { cause: err });
}
