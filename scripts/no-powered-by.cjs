// Preloaded (NODE_OPTIONS=--require) into the local stack's firebase-tools processes: the
// emulators' own Express apps (the Functions emulator's hub and workers, Hosting, Auth) announce
// `X-Powered-By: Express`, which production Hosting never sends. Keyward's responses must not
// carry it locally either, so the header is dropped wherever a response sets it.
const { ServerResponse } = require('node:http');

const setHeader = ServerResponse.prototype.setHeader;
ServerResponse.prototype.setHeader = function (name, value) {
  if (String(name).toLowerCase() === 'x-powered-by') return this;
  return setHeader.call(this, name, value);
};
