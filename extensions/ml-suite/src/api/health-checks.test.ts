import { describe, expect, it } from 'vitest';
import type { MlConfig } from '../core/config.js';
import { NotConfiguredError } from '../core/errors.js';
import { buildHealthChecks, type HealthCheckDeps } from './health-checks.js';

const embedding = { provider: 'local', modelId: 'local-hash-384', dimensions: 384 };
const chatModel = { provider: 'openai', modelId: 'gpt-test' };

function deps(overrides: { chatProvider?: string; ffmpeg?: boolean; transcription?: boolean; registryChat?: boolean; queueOk?: boolean } = {}): HealthCheckDeps {
	return {
		config: { ML_WORKERS_IN_PROCESS: false, ML_CHAT_PROVIDER: overrides.chatProvider ?? 'openai' } as MlConfig,
		host: { database: { raw: async () => [], client: { config: { client: 'sqlite3' } } } } as never,
		directus: { version: '12.4.0', major: 12, isLocked: async () => false, license: async () => null },
		indexes: { active: async () => [] } as never,
		queue: { backend: 'inline', health: async () => ({ ok: overrides.queueOk ?? true }) } as never,
		queueWiring: { reason: 'no REDIS configured', warning: undefined },
		storeChecks: [{ name: 'vectorStore', required: true, check: async () => ({ ok: true }) }],
		embeddingModel: async () => ({ model: embedding as never }),
		transcription: { ffmpeg: overrides.ffmpeg === false ? null : ({ binary: { source: 'system', path: '/usr/bin/ffmpeg' } } as never) },
		models: {
			transcriptionModel: async () => {
				if (overrides.transcription === false) throw new NotConfiguredError('No transcription model: set ML_TRANSCRIPTION_PROVIDER.');
				return { model: { provider: 'local', modelId: 'pocketsphinx' } } as never;
			},
			chatModel: async () => ({ model: chatModel }) as never,
			getChatModel: async () => (overrides.registryChat ? (chatModel as never) : null),
		},
		aiSettings: { describe: () => ({ available: false }) },
	};
}

async function run(d: HealthCheckDeps): Promise<Record<string, { required: boolean; ok: boolean; message?: string; details?: Record<string, unknown> }>> {
	const out: Record<string, { required: boolean; ok: boolean; message?: string; details?: Record<string, unknown> }> = {};
	for (const c of buildHealthChecks(d)) out[c.name] = { required: c.required, ...(await c.check()) };
	return out;
}

describe('buildHealthChecks', () => {
	it('reports every part, required ones being the database, queue, vector store and embeddings', async () => {
		const checks = await run(deps());
		expect(Object.keys(checks)).toEqual(['directus', 'database', 'queue', 'vectorStore', 'embeddings', 'transcription', 'chat']);
		expect(Object.entries(checks).filter(([, c]) => c.required).map(([name]) => name)).toEqual(['database', 'queue', 'vectorStore', 'embeddings']);
		expect(checks.database).toMatchObject({ ok: true, message: 'sqlite3' });
		expect(checks.queue).toMatchObject({ ok: true, details: { backend: 'inline', reason: 'no REDIS configured', workersInProcess: true } });
		expect(checks.embeddings).toMatchObject({ ok: true, message: 'local/local-hash-384', details: { dimensions: 384 } });
		expect(checks.chat).toMatchObject({ ok: true, message: 'openai/gpt-test' });
		expect(checks.transcription).toMatchObject({ ok: true, message: 'local/pocketsphinx; system /usr/bin/ffmpeg' });
	});

	it('passes a queue failure through', async () => {
		expect((await run(deps({ queueOk: false }))).queue!.ok).toBe(false);
	});

	it('reports transcription without a model as not configured (not a failure), and without ffmpeg as a failure', async () => {
		const unconfigured = await run(deps({ transcription: false, ffmpeg: false }));
		expect(unconfigured.transcription).toMatchObject({ ok: true, message: expect.stringMatching(/^not configured: /), details: { decoder: 'no ffmpeg (set ML_FFMPEG_PATH)' } });
		expect((await run(deps({ ffmpeg: false }))).transcription!.ok).toBe(false);
	});

	it('with ML_CHAT_PROVIDER=none, reports a registry chat model when there is one, else extractive answers', async () => {
		expect((await run(deps({ chatProvider: 'none' }))).chat).toMatchObject({ ok: true, message: 'not configured (RAG answers extractively)' });
		expect((await run(deps({ chatProvider: 'none', registryChat: true }))).chat).toMatchObject({ ok: true, message: 'openai/gpt-test' });
	});
});
