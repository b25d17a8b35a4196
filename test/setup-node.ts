// Tests run in Node as the CLI does: with the Node entry's socket transport and zlib registered.
import '../src/node.js';
