// Stands in for `toArrayBuffer` of jsr:@std/streams, which the Apps-Engine
// 1.62 Deno runtime imports (upload events) and which cannot be fetched
// offline; mapped here by the runtime's import map (scripts/apps-engines.js).
// Same contract: read the stream to its end and return its bytes.

export async function toArrayBuffer(readable: ReadableStream<Uint8Array>): Promise<ArrayBuffer> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of readable) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out.buffer;
}
