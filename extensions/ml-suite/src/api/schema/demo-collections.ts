import { STATUS_COLORS as C, collection, csv, dateCreated, dateUpdated, float, intPk, longText, select, text, timestamp, type CollectionDef } from './field-builders.js';

/** Demo content collections seeded on first start (ML_SEED_DEMO), so the suite has something to work on. */
export const DEMO_COLLECTIONS: CollectionDef[] = [
	collection(
		'articles',
		{
			icon: 'article',
			note: 'Demo: articles on varied topics, indexed for semantic search and RAG by the ML suite.',
			display_template: '{{title}}',
			archive_field: 'status',
			archive_value: 'archived',
			unarchive_value: 'draft',
			sort: 1,
		},
		[
			intPk(),
			select(
				'status',
				[
					{ text: 'Published', value: 'published', ...C.success },
					{ text: 'Draft', value: 'draft', ...C.muted },
					{ text: 'Archived', value: 'archived', ...C.warning },
				],
				'draft',
			),
			text('title', { required: true, width: 'full' }),
			text('slug', { width: 'half', options: { slug: true, font: 'monospace' } }),
			text('author', { width: 'half' }),
			select(
				'category',
				['technology', 'science', 'health', 'travel', 'food', 'business', 'culture', 'environment'].map((value) => ({
					text: value.charAt(0).toUpperCase() + value.slice(1),
					value,
				})),
				null,
			),
			timestamp('published_at'),
			csv('tags'),
			longText('summary'),
			longText('body', { interface: 'input-rich-text-html', display: 'formatted-value', display_options: { format: true } }),
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
			select(
				'status',
				[
					{ text: 'To do', value: 'todo', ...C.muted },
					{ text: 'In progress', value: 'in_progress', ...C.primary },
					{ text: 'Done', value: 'done', ...C.success },
				],
				'todo',
			),
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
			float('estimated_hours', { width: 'half' }),
			dateCreated(),
			dateUpdated(),
		],
	),
];
