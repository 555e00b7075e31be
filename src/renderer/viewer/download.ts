/**
 * Saving files from the viewer the browser way (an <a download> click), which Electron turns into
 * its save flow and a `frugal serve` tab into a download. The object URL is revoked afterwards.
 */

export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke later: the download starts asynchronously after the click.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Fetch `url` and save it as `name`; fetch + blob works for any origin the page may read. */
export async function downloadUrl(url: string, name: string): Promise<void> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
  downloadBlob(await res.blob(), name);
}
