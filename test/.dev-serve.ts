import { writeFileSync } from 'node:fs';
import { startDirectus } from './support/directus.js';
const d = await startDirectus({ seedDemo: true, env: { ML_QUEUE: 'inline' } });
writeFileSync('/tmp/adminapp-dev/instance.json', JSON.stringify({ url: d.url, token: d.adminToken }));
console.log('READY', d.url);
process.on('SIGTERM', async () => { await d.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
