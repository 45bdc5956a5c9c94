/** Fields of an index whose change makes the suite re-embed every item (its settings hash). */
/** Mirrors `computeSettingsHash` in core/indexing/index-definition.ts. */
export const VECTOR_SHAPING_FIELDS = ['embedding_model', 'chunk_size', 'chunk_overlap', 'content_fields', 'context_fields', 'metadata_fields', 'title_field'] as const;

const LABELS: Record<(typeof VECTOR_SHAPING_FIELDS)[number], string> = {
	embedding_model: 'the embedding model',
	chunk_size: 'the chunk size',
	chunk_overlap: 'the chunk overlap',
	content_fields: 'the content fields',
	context_fields: 'the context fields',
	metadata_fields: 'the metadata fields',
	title_field: 'the title field',
};

function normalise(value: unknown): string {
	if (value && typeof value === 'object' && !Array.isArray(value) && 'id' in value) return String((value as { id: unknown }).id);
	if (Array.isArray(value)) return value.map(String).join(',');
	if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean).join(',');
	return value === null || value === undefined ? '' : JSON.stringify(value);
}

/** What the unsaved edits change that forces a full re-embed (empty when nothing does). */
export function reindexTriggers(saved: Record<string, unknown> | null, edits: Record<string, unknown>): string[] {
	if (!saved) return [];
	return VECTOR_SHAPING_FIELDS.filter((field) => field in edits && normalise(edits[field]) !== normalise(saved[field])).map((field) => LABELS[field]);
}
