/**
 * The Node entry of the core: what Node has and browsers do not, registered once at start-up —
 * the socket HTTP transport (one reused receive buffer per connection, see
 * io/http-socket-transport.ts) as HttpSource's default, and zlib as the native inflater. Imported
 * by the CLI, the server and the Node test setup; never by a plugin, so browser bundles carry none
 * of it.
 */
import { registerNativeDecoders } from './codecs/native.js';
import { zlibDecoders } from './codecs/native-node.js';
import { socketTransport } from './io/http-socket-transport.js';
import { setDefaultTransport } from './io/http-transport.js';

setDefaultTransport(() => socketTransport());
registerNativeDecoders(zlibDecoders());
