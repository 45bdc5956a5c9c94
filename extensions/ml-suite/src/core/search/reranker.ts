/** One reranked document: its position in the input list and the reranker's relevance score. */
export interface RerankResult {
	index: number;
	score: number;
}

export interface RerankResponse {
	/** Best first. */
	results: RerankResult[];
	usage: { inputTokens: number; latencyMs: number };
}

/**
 * Optional second stage of search: a cross-encoder that scores (query, passage) pairs. Only
 * passages the caller may read are ever sent (reranking runs on the hits after the permission
 * filter), so it keeps the "ranking only from what the caller may read" guarantee.
 */
export interface Reranker {
	readonly provider: string;
	readonly modelId: string;
	rerank(query: string, documents: readonly string[], options?: { topN?: number; signal?: AbortSignal }): Promise<RerankResponse>;
}
