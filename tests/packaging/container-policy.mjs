// SPDX-License-Identifier: MIT
// What the issue asks of the image and of compose.yaml, checked without a
// container engine: every stage on debian:bookworm-slim, and the one that runs
// as a user of its own, with a volume for the database, a health check, an
// explicit 0.0.0.0, a clean stop on SIGTERM; compose with the server's volume
// and a PostgreSQL service. Usage: node container-policy.mjs Dockerfile compose.yaml
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(process.cwd() + '/');
const { DockerfileParser } = require('dockerfile-ast');
const YAML = require('yaml');

const [dockerfilePath, composePath] = process.argv.slice(2);
const problems = [];
const expect = (ok, what) => {
    if (!ok)
        problems.push(what);
};

const dockerfile = DockerfileParser.parse(readFileSync(dockerfilePath, 'utf8'));
const froms = dockerfile.getFROMs();
expect(froms.length >= 2, 'a multi-stage build: a build stage and a runtime stage');
for (const from of froms)
    expect(from.getImage() === 'debian:bookworm-slim', `FROM ${from.getImage()}: not debian:bookworm-slim`);

// The instructions of the last stage, the image that runs.
const instructions = dockerfile.getInstructions();
const lastFrom = instructions.lastIndexOf(froms[froms.length - 1]);
const runtime = instructions.slice(lastFrom);
const named = (keyword) => runtime.filter((i) => i.getKeyword() === keyword);
const args = (i) => i.getArgumentsContent() ?? '';

const users = named('USER');
expect(users.length > 0 && !/^(root|0)(:|$)/.test(args(users[users.length - 1])),
       'the runtime stage runs as a user other than root');
expect(named('VOLUME').some((i) => args(i).includes('/var/lib/pynet')), 'a VOLUME for /var/lib/pynet');
expect(named('HEALTHCHECK').some((i) => args(i).includes('--check')),
       'a HEALTHCHECK with pynet-server --check');
expect(named('STOPSIGNAL').every((i) => args(i) === 'SIGTERM'), 'STOPSIGNAL, if any, is SIGTERM');
expect(named('CMD').concat(named('ENTRYPOINT')).some((i) => args(i).includes('0.0.0.0')),
       'the server binds 0.0.0.0');
expect(named('ENTRYPOINT').some((i) => args(i).startsWith('[')),
       'ENTRYPOINT in exec form, so that SIGTERM reaches the server, not a shell');

const compose = YAML.parse(readFileSync(composePath, 'utf8'));
const services = compose?.services ?? {};
const server = services['pynet-server'];
expect(server !== undefined, 'compose.yaml has a pynet-server service');
expect(server?.build !== undefined, 'the pynet-server service builds the Dockerfile');
expect((server?.volumes ?? []).some((v) => String(v).endsWith(':/var/lib/pynet')),
       'the pynet-server service keeps /var/lib/pynet on a volume');
expect(Object.values(services).some((s) => String(s.image ?? '').startsWith('postgres')),
       'compose.yaml has a PostgreSQL service');
const command = (server?.command ?? []).map(String);
const database = command[command.indexOf('--database') + 1] ?? '';
expect(command.includes('--database') && database.startsWith('postgresql://'),
       'the pynet-server service keeps its history in PostgreSQL (--database postgresql://...)');
expect(!/:[^@/]*@/.test(database.replace('postgresql://', '')),
       'no password in the --database URL: it would be on a command line');
expect(server?.environment?.PGPASSWORD !== undefined,
       'the pynet-server service gets the database password through PGPASSWORD');
for (const [name, service] of Object.entries(services)) {
    for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0];
        expect(source.startsWith('.') || source.startsWith('/') || source in (compose.volumes ?? {}),
               `service ${name}: volume ${source} is not declared under volumes:`);
    }
}

if (problems.length > 0) {
    for (const problem of problems)
        console.error(`container-policy: missing: ${problem}`);
    process.exit(1);
}
console.log(`container-policy: ${dockerfilePath} and ${composePath} as required`);
