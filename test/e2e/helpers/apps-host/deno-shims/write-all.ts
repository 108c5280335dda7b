// Stands in for `writeAll` of Deno's standard library (jsr:@std/io and
// https://deno.land/std@0.216.0/io/write_all.ts), which the Apps-Engine's Deno
// runtime imports and which cannot be fetched offline. The test set-up maps
// those imports here through the runtime's import map (scripts/apps-engines.js).
// Same contract: write every byte of `data`, looping over partial writes.

export interface Writer {
  write(p: Uint8Array): Promise<number>;
}

export async function writeAll(writer: Writer, data: Uint8Array): Promise<void> {
  let written = 0;
  while (written < data.length) {
    written += await writer.write(data.subarray(written));
  }
}
