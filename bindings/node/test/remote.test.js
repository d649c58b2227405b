'use strict';
// Remote engines through connect(): the options are checked before any engine is tried, and,
// with scripts/remote-up's TLS daemon (POCKETDOCK_TEST_REMOTE), a client over TCP+TLS works
// and a wrong CA is an EngineNotFoundError naming the certificate step.

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { pd } = require('./helpers');

function settings() {
    const file = process.env.POCKETDOCK_TEST_REMOTE;
    if (!file) return null;
    return Object.fromEntries(
        fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=') && !l.startsWith('#'))
            .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
}

describe('remote engines', () => {
    test('remote options are checked before connecting', async () => {
        await assert.rejects(pd.connect({ host: 'gopher://h' }), pd.InvalidArgumentError);
        await assert.rejects(pd.connect({ tlsFiles: { ca: '/ca.pem', cert: '/cert.pem' } }), pd.InvalidArgumentError);
        await assert.rejects(pd.connect({ host: 'ssh://h', tlsDir: '/certs' }), pd.InvalidArgumentError);
        await assert.rejects(pd.connect({ sshIdentity: 5 }), TypeError);
        await assert.rejects(pd.connect({ host: 'tcp://192.0.2.1:2375', sshKnownHosts: '/kh' }), /only on loopback/);
    });

    test('a client over TCP+TLS, and a wrong CA named', async (t) => {
        const s = settings();
        if (!s) return t.skip('POCKETDOCK_TEST_REMOTE is not set');
        const c = await pd.connect({ host: s.PD_REMOTE_TLS, tlsDir: `${s.PD_REMOTE_CERTS}/good` });
        try {
            assert.equal(c.engineInfo.socket, s.PD_REMOTE_TLS);
        } finally {
            c.close();
        }
        await assert.rejects(
            pd.connect({ host: s.PD_REMOTE_TLS, tlsDir: `${s.PD_REMOTE_CERTS}/wrong-ca` }),
            (e) => e instanceof pd.EngineNotFoundError && /certificate check failed/.test(e.message),
        );
    });
});
