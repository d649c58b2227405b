'use strict';
// Remote engines (docs/engines.md): connect() options for the engine's host (any address: a
// Unix socket, tcp://, ssh://), TLS files for tcp://, and how ssh logs in to an ssh:// engine.
// Kept apart from client.js: each option is one pd_client_opts setter.

const { lib } = require('./ffi');
const { callSync } = require('./call');
const { str } = require('./options');

/** The connect() option names handled here. */
const REMOTE_KEYS = ['host', 'tlsDir', 'tlsFiles', 'sshIdentity', 'sshKnownHosts'];

const given = (v) => v !== undefined && v !== null;

/** Applies the remote options of `opts` to the pd_client_opts `o` (throws on a refusal). */
function applyRemoteOptions(o, opts) {
    if (given(opts.host)) callSync(lib.pd_client_opts_set_host, o, str(opts.host, 'host'));
    if (given(opts.tlsDir)) callSync(lib.pd_client_opts_set_tls_dir, o, str(opts.tlsDir, 'tlsDir'));
    if (given(opts.tlsFiles)) {
        const t = opts.tlsFiles;
        if (typeof t !== 'object') throw new TypeError('pocketdock: tlsFiles must be an object {ca, cert, key}');
        callSync(
            lib.pd_client_opts_set_tls_files,
            o,
            str(t.ca, 'tlsFiles.ca'),
            given(t.cert) ? str(t.cert, 'tlsFiles.cert') : null,
            given(t.key) ? str(t.key, 'tlsFiles.key') : null,
        );
    }
    if (given(opts.sshIdentity)) {
        callSync(lib.pd_client_opts_set_ssh_identity, o, str(opts.sshIdentity, 'sshIdentity'));
    }
    if (given(opts.sshKnownHosts)) {
        callSync(lib.pd_client_opts_set_ssh_known_hosts, o, str(opts.sshKnownHosts, 'sshKnownHosts'));
    }
}

module.exports = { REMOTE_KEYS, applyRemoteOptions };
