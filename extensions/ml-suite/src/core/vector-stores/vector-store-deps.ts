/** Logger shape the stores use (Directus's pino logger fits it). */
export interface VectorStoreLogger {
	debug(obj: unknown, msg?: string): void;
	info(obj: unknown, msg?: string): void;
	warn(obj: unknown, msg?: string): void;
	error(obj: unknown, msg?: string): void;
}

/** What every vector store takes besides its config. */
export interface VectorStoreDeps {
	/** Where stores report recoverable oddities (races lost, caches reloaded). Default: silent. */
	logger?: VectorStoreLogger;
}

const silent = (): void => undefined;

/** A logger that drops everything; used when none is injected. */
export const silentLogger: VectorStoreLogger = { debug: silent, info: silent, warn: silent, error: silent };
