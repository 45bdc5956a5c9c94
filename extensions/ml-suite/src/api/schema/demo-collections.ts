import { STATUS_COLORS as C, STATES as S, archivedAs, collection, csv, dateCreated, dateUpdated, float, integer, intPk, longText, presentation, select, status, text, timestamp, type CollectionDef } from './field-builders.js';

export const ARTICLE_CATEGORIES = ['technology', 'science', 'health', 'travel', 'food', 'business', 'culture', 'environment'];
const categoryChoices = ARTICLE_CATEGORIES.map((value) => ({ text: value.charAt(0).toUpperCase() + value.slice(1), value }));

/** Demo content collections seeded on first start (ML_SEED_DEMO), so the suite has something to work on. */
export const DEMO_COLLECTIONS: CollectionDef[] = [
	collection(
		'articles',
		{
			icon: 'article',
			note: 'Demo: articles on varied topics, indexed for semantic search and RAG by the ML suite.',
			display_template: '{{title}}',
			...archivedAs('archived', 'draft'),
			sort: 1,
		},
		[
			intPk(),
			status([S.published, S.draft, { ...S.archived, ...C.warning }], 'draft'),
			text('title', { required: true, width: 'full' }),
			text('slug', { width: 'half', options: { slug: true, font: 'monospace' } }),
			text('author', { width: 'half' }),
			select('category', categoryChoices, null),
			timestamp('published_at'),
			csv('tags'),
			longText('summary'),
			longText('body', { interface: 'input-rich-text-html', display: 'formatted-value', display_options: { format: true } }),
			longText('ai_summary', { note: 'Filled by the "Article insights" enrichment pipeline (summary of title and body). Edit it and the suite keeps your text.' }),
			csv('keywords', { note: 'Keyphrases from the "Article insights" pipeline.' }),
			select(
				'sentiment',
				[
					{ text: 'Positive', value: 'positive', ...C.success },
					{ text: 'Neutral', value: 'neutral', ...C.muted },
					{ text: 'Mixed', value: 'mixed', ...C.warning },
					{ text: 'Negative', value: 'negative', ...C.danger },
				],
				null,
				{ note: 'Tone of the article, from the "Article insights" pipeline.' },
			),
			select('topic', categoryChoices, null, { note: 'Zero-shot topic from the "Article insights" pipeline (choices = categories).' }),
			presentation('ml_suggestions', 'ml-enrichment-suggestions', { note: 'What the enrichment pipelines suggest for this article: accept, edit or reject each suggestion.' }),
			dateCreated(),
			dateUpdated(),
		],
	),
	collection(
		'tasks',
		{
			icon: 'task_alt',
			note: 'Demo: issue-tracker style tasks for the suite\'s complexity scoring.',
			display_template: '{{title}}',
			sort: 2,
		},
		[
			intPk(),
			status([S.todo, S.inProgress, S.done], 'todo'),
			text('title', { required: true, width: 'full' }),
			longText('description'),
			select(
				'issue_type',
				['bug', 'feature', 'chore', 'docs', 'refactor'].map((value) => ({ text: value.charAt(0).toUpperCase() + value.slice(1), value })),
				'feature',
			),
			select(
				'priority',
				[
					{ text: 'Low', value: 'low', ...C.muted },
					{ text: 'Medium', value: 'medium', ...C.primary },
					{ text: 'High', value: 'high', ...C.warning },
					{ text: 'Urgent', value: 'urgent', ...C.danger },
				],
				'medium',
			),
			csv('labels'),
			float('estimated_hours', { width: 'half', note: 'Filled by the "Task complexity" pipeline when empty; a value you type is kept.' }),
			integer('complexity', {
				width: 'half',
				interface: 'select-dropdown',
				options: { choices: [1, 2, 3, 4, 5].map((value, i) => ({ value, text: `${value} · ${['Trivial', 'Simple', 'Moderate', 'Complex', 'Very complex'][i]}` })) },
				display: 'labels',
				note: 'Complexity level 1–5 from the "Task complexity" pipeline.',
			}),
			integer('story_points', { width: 'half', note: 'Points of the estimated level (1, 3, 5, 8, 13).' }),
			float('actual_hours', { width: 'half', note: 'Hours a finished task took; done tasks with it calibrate the estimates.' }),
			dateCreated(),
			dateUpdated(),
		],
	),
];
