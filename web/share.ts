/**
 * The script in the URL's fragment (`#script=…`, deflated and base64url
 * encoded), so a link holds it and no server ever sees it; `#example=NAME`
 * names a bundled snippet. A link is untrusted input: decoding is bounded
 * and every failure is a message, not an exception.
 */

/** The same bound `dzdx run` puts on a script's source. */
export const MAX_SOURCE = 1_000_000;

const toBase64Url = (bytes: Uint8Array) => {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

const fromBase64Url = (text: string) => {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
};

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream().pipeThrough(stream).getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    // A small link may inflate to gigabytes: stop reading past the bound.
    if (size > limit) {
      await reader.cancel();
      throw new Error(`the script in the link is longer than ${limit} characters`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export async function encodeScript(source: string): Promise<string> {
  const bytes = new TextEncoder().encode(source);
  return toBase64Url(await pipe(bytes, new CompressionStream('deflate-raw'), Infinity));
}

export type SharedScript = { kind: 'none' } | { kind: 'example'; name: string } | { kind: 'script'; source: string } | { kind: 'error'; message: string };

/** What the fragment holds. */
export async function readFragment(hash: string): Promise<SharedScript> {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const example = params.get('example');
  if (example !== null) return { kind: 'example', name: example };
  const token = params.get('script');
  if (token === null) return { kind: 'none' };
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new Error('it is not base64url text');
    const bytes = await pipe(fromBase64Url(token), new DecompressionStream('deflate-raw'), MAX_SOURCE * 4);
    const source = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    if (source.length > MAX_SOURCE) throw new Error(`the script in the link is longer than ${MAX_SOURCE} characters`);
    return { kind: 'script', source };
  } catch (e) {
    const why = e instanceof Error && e.message ? e.message : 'it is damaged';
    return { kind: 'error', message: `The link's script could not be read (${why}); showing the first example instead.` };
  }
}
