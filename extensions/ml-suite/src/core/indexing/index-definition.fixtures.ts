import type { IndexDefinition } from './index-definition.js';

/** An active index over `collection` (title `title`, content `body`, embedded store), for tests; `overrides` change any field. */
export function testIndex(name: string, collection: string, overrides: Partial<IndexDefinition> = {}): IndexDefinition {
	return {
		id: `id-${name}`,
		name,
		label: name,
		status: 'active',
		collection,
		titleField: 'title',
		contentFields: ['body'],
		contextFields: [],
		metadataFields: [],
		filter: null,
		chunkSize: 1000,
		chunkOverlap: 0,
		embeddingModel: null,
		vectorStore: 'embedded',
		settingsHash: null,
		...overrides,
	};
}
