import type { Logger } from '../logger.js';

/** What every vector store takes besides its config. */
export interface VectorStoreDeps {
	/** Where stores report recoverable oddities (races lost, caches reloaded). Default: silent. */
	logger?: Logger;
}
