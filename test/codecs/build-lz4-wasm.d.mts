/** src/codecs/lz4.wat and unshuffle.wat compiled with wabt, as base64. */
export function compileWasm(): Promise<{ LZ4_WASM: string; UNSHUFFLE_WASM: string }>;
