/** Turning whatever a failed call threw into one readable line for the UI. */

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

/**
 * Field-level messages out of a server error such as
 * "train:start: config of 'brats': patchSize.1: Too small: expected number to be >0"
 * (zod issues joined by newlines or '; '). Keys not in `keys` stay in `rest`.
 */
export function fieldErrorsFrom(message: string, keys: readonly string[]): { fields: Record<string, string>; rest: string[] } {
  const fields: Record<string, string> = {};
  const rest: string[] = [];
  const known = new Set(keys);
  for (const part of message.split(/\n|; /)) {
    const text = part.trim();
    if (!text) continue;
    // The last "<key>[.<index>…]: " in the segment names the field; the text after it is the problem.
    const m = [...text.matchAll(/(?<=^|[\s:'"(])(?:config\.)?([A-Za-z_]\w*)((?:\.\d+)*): /g)].filter((x) => known.has(x[1])).pop();
    if (!m || m.index === undefined) {
      rest.push(text);
      continue;
    }
    const key = m[1];
    const where = m[2] ? ` (item ${Number(m[2].slice(1).split('.')[0]) + 1})` : '';
    const problem = text.slice(m.index + m[0].length);
    fields[key] = fields[key] ? `${fields[key]}; ${problem}${where}` : `${problem}${where}`;
  }
  return { fields, rest };
}
