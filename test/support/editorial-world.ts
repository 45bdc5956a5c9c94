import { expect } from 'vitest';
import { createCollection, eventually } from './content.js';
import type { DirectusInstance } from './directus.js';

/**
 * An editorial project for the item- and field-level permission tests: `articles` with a
 * public part (title, summary, status) and a hidden `body`, published and draft items. The
 * reader policy is the one from issue 8: read `articles` only where status = published, every
 * field except `body`; read RAG documents only of the `public` RAG collection.
 */
export interface Article {
	title: string;
	summary: string;
	body: string;
	status: 'published' | 'draft';
}

/** Published articles: the readable part is the same in every world; `body` is the world's own. */
export const PUBLISHED: Omit<Article, 'body' | 'status'>[] = [
	{ title: 'Sourdough hydration', summary: 'High hydration sourdough needs strong gluten, long fermentation and careful shaping before baking.' },
	{ title: 'Heat pumps explained', summary: 'A heat pump moves heat from outdoor air into the house with a refrigerant cycle and a compressor.' },
	{ title: 'Night trains in Europe', summary: 'Night trains carry sleeping cars and couchettes between capitals while travellers sleep.' },
	{ title: 'Tardigrade survival', summary: 'Water bears survive desiccation, radiation and the vacuum of space in a dormant tun state.' },
	{ title: 'Loyalty programme', summary: 'Members of the loyalty programme collect points on every order and redeem them for rewards.' },
	{ title: 'Winter cycling', summary: 'Studded tyres, fenders and good lights make cycling through a snowy winter safe and pleasant.' },
];

/** Markers that only hidden content carries; a response that contains one leaks. */
export const HIDDEN_MARKERS = ['discount code', 'DRAFTONLY', 'embargo', 'HIDDENBODY'];

/** The hidden content of a world: a body per published article and the draft articles. */
export interface HiddenContent {
	bodies: string[];
	drafts: Article[];
}

export const WORLD_A: HiddenContent = {
	bodies: PUBLISHED.map((a, i) => `HIDDENBODY ${i}: internal notes on ${a.title.toLowerCase()}; the staff discount code is 9063.`),
	drafts: [
		{ title: 'DRAFTONLY loyalty discount code', summary: 'DRAFTONLY: loyalty members get discount code 9063 next week.', body: 'HIDDENBODY embargo until Monday: discount code 9063 for loyalty members.', status: 'draft' },
		{ title: 'DRAFTONLY heat pump recall', summary: 'DRAFTONLY: a compressor recall for heat pumps is under embargo.', body: 'HIDDENBODY embargo: recall of refrigerant compressors.', status: 'draft' },
	],
};

export const WORLD_B: HiddenContent = {
	bodies: PUBLISHED.map((a, i) =>
		i % 2 === 0
			? `HIDDENBODY ${i}: the loyalty programme discount code 9064 applies to sourdough, heat pumps, night trains and water bears alike. `.repeat(3)
			: `HIDDENBODY ${i}: nothing relevant here at all.`,
	),
	drafts: [
		{ title: 'DRAFTONLY night train strike', summary: 'DRAFTONLY: couchettes cancelled during the embargoed strike.', body: 'HIDDENBODY embargo: night trains and sleeping cars stop.', status: 'draft' },
		{ title: 'DRAFTONLY tardigrade discount code', summary: 'DRAFTONLY: water bears discount code 9064 for the lab shop.', body: 'HIDDENBODY discount code 9064, radiation, tun state, water bears.', status: 'draft' },
		{ title: 'DRAFTONLY winter cycling deal', summary: 'DRAFTONLY: studded tyres with discount code 9064.', body: 'HIDDENBODY discount code 9064 for studded tyres and fenders.', status: 'draft' },
		{ title: 'DRAFTONLY sourdough course', summary: 'DRAFTONLY: sourdough baking course under embargo, gluten and hydration.', body: 'HIDDENBODY embargo discount code 9064 sourdough.', status: 'draft' },
	],
};

/** RAG documents: `public` ones the reader may read, `internal` ones they may not. */
export const RAG_DOCS = [
	{ collection: 'public', source: 'returns.md', content: 'Returns are accepted within 30 days; refunds are issued to the original payment method.' },
	{ collection: 'public', source: 'shipping.md', content: 'Orders ship within two working days and tracking numbers are emailed.' },
	{ collection: 'internal', source: 'margins.md', content: 'HIDDENBODY internal margins on returns and the discount code 9063 for staff.' },
];

export interface EditorialWorld {
	/** Article ids by title (published and drafts). */
	ids: Record<string, string>;
	readerToken: string;
}

/**
 * Creates the collections, the `articles` index (title as context, summary and body as content),
 * the articles (published first, in the same order in every world, so their ids match) and the
 * reader; waits until everything is indexed.
 */
export async function seedEditorialWorld(directus: DirectusInstance, hidden: HiddenContent, reader = 'reader@example.com'): Promise<EditorialWorld> {
	await createCollection(directus, 'articles', { title: 'string', summary: 'text', body: 'text', status: 'string' });
	await createCollection(directus, 'secrets', { title: 'string', body: 'text' });
	for (const [name, collection] of [
		['articles', 'articles'],
		['secrets', 'secrets'],
	] as const) {
		const res = await directus.request('POST', '/items/ml_indexes', {
			body: { name, label: name, collection, title_field: 'title', content_fields: collection === 'articles' ? ['summary', 'body'] : ['body'], context_fields: ['title'], chunk_size: 400, chunk_overlap: 0 },
		});
		expect(res.status, res.text).toBe(200);
	}
	const ids: Record<string, string> = {};
	const articles: Article[] = [...PUBLISHED.map((a, i) => ({ ...a, body: hidden.bodies[i] ?? '', status: 'published' as const })), ...hidden.drafts];
	for (const article of articles) {
		const res = await directus.request('POST', '/items/articles', { body: article });
		expect(res.status, res.text).toBe(200);
		ids[article.title] = String(res.body.data.id);
	}
	expect((await directus.request('POST', '/items/secrets', { body: { title: 'Vault', body: 'HIDDENBODY the vault code' } })).status).toBe(200);
	for (const doc of RAG_DOCS) {
		const res = await directus.request('POST', '/ml/rag/index', { body: { content: doc.content, source: doc.source, collection: doc.collection } });
		expect(res.status, res.text).toBe(200);
	}
	await eventually(
		async () => {
			const coverage = await directus.request('GET', '/ml/indexes-coverage');
			const byName = Object.fromEntries((coverage.body.data ?? []).map((c: any) => [c.index, c]));
			return byName.articles?.documents.indexed === articles.length && byName.secrets?.documents.indexed === 1;
		},
		60_000,
		'articles and secrets indexed',
	);
	const readerToken = await directus.createUser({
		email: reader,
		permissions: [
			{ collection: 'articles', action: 'read', fields: ['id', 'title', 'summary', 'status'], permissions: { status: { _eq: 'published' } } },
			{ collection: 'ml_rag_documents', action: 'read', fields: ['*'], permissions: { rag_collection: { _eq: 'public' } } },
			// Using a model follows Directus permissions: the reader may use the chat model.
			{ collection: 'ml_models', action: 'read' },
		],
	});
	return { ids, readerToken };
}

/** Fails naming the marker when `value` (a response, prompt, event stream) carries hidden content. */
export function expectNoHiddenContent(value: unknown, where: string): void {
	const text = typeof value === 'string' ? value : JSON.stringify(value);
	for (const marker of HIDDEN_MARKERS) expect(text.includes(marker), `${where} reveals hidden content ("${marker}"): ${text.slice(0, 2000)}`).toBe(false);
}
