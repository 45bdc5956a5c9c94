import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';

interface EnrichmentSeed {
	name: string;
	collection: string;
	source_fields: string;
	targets: unknown[];
	complexity_fields?: Record<string, unknown>;
	note: string;
}

/** Words that describe each demo category, for zero-shot classification through embeddings. */
const TOPIC_DESCRIPTIONS: Record<string, string> = {
	technology: 'software, computers, programming, databases, artificial intelligence, internet, apps, devices, code, cloud',
	science: 'research, scientists, physics, biology, chemistry, space, experiments, discovery, astronomy, study',
	health: 'medicine, doctors, disease, sleep, exercise, nutrition, mental health, patients, wellbeing, body',
	travel: 'trips, destinations, flights, hotels, tourism, journeys, cities, hiking, luggage, travellers',
	food: 'cooking, recipes, restaurants, ingredients, baking, kitchen, dishes, flavour, meals, chefs',
	business: 'companies, markets, startups, finance, management, customers, revenue, strategy, investors, work',
	culture: 'art, music, books, film, history, museums, literature, traditions, language, artists',
	environment: 'climate, nature, pollution, energy, wildlife, conservation, forests, oceans, recycling, emissions',
};

/** The demo pipelines: article insights and task complexity. */
export const DEMO_ENRICHMENTS: EnrichmentSeed[] = [
	{
		name: 'Article insights',
		collection: 'articles',
		source_fields: 'title,body',
		targets: [
			{ analysis: 'summary', field: 'ai_summary', options: { maxLength: 60 } },
			{ analysis: 'keywords', field: 'keywords', options: { maxKeywords: 6 } },
			{ analysis: 'sentiment', field: 'sentiment' },
			{ analysis: 'classification', field: 'topic', options: { descriptions: TOPIC_DESCRIPTIONS } },
		],
		note: 'Demo: summary, keywords, sentiment and a zero-shot topic for every article, on the local engine.',
	},
	{
		name: 'Task complexity',
		collection: 'tasks',
		source_fields: 'title,description',
		targets: [
			{ analysis: 'complexity', field: 'complexity', output: 'level' },
			{ analysis: 'complexity', field: 'story_points', output: 'points' },
			{ analysis: 'complexity', field: 'estimated_hours', output: 'hours' },
		],
		complexity_fields: { title: 'title', description: 'description', issueType: 'issue_type', labels: 'labels', actualHours: 'actual_hours', doneFilter: { status: { _eq: 'done' } } },
		note: 'Demo: complexity level, points and hours for tasks, calibrated on done tasks’ actual hours. Hand-entered hours are kept.',
	},
];

/** Inserts the demo pipelines that do not exist yet (by name); returns the ids created. */
export async function seedEnrichments(db: Knex, seeds: EnrichmentSeed[]): Promise<string[]> {
	const created: string[] = [];
	for (const seed of seeds) {
		if (await db('ml_enrichments').where('name', seed.name).first()) continue;
		const id = randomUUID();
		const stamp = new Date().toISOString();
		await db('ml_enrichments').insert({
			id,
			status: 'active',
			name: seed.name,
			collection: seed.collection,
			source_fields: seed.source_fields,
			targets: JSON.stringify(seed.targets),
			complexity_fields: seed.complexity_fields ? JSON.stringify(seed.complexity_fields) : null,
			overwrite: false,
			note: seed.note,
			date_created: stamp,
			date_updated: stamp,
		});
		created.push(id);
	}
	return created;
}
