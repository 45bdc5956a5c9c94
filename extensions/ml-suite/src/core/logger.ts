/** The pino-style logger core services and stores take (Directus's `logger` and the worker's console fit). */
export interface Logger {
	debug(obj: unknown, msg?: string): void;
	info(obj: unknown, msg?: string): void;
	warn(obj: unknown, msg?: string): void;
	error(obj: unknown, msg?: string): void;
}

const silent = (): void => undefined;

/** A logger that drops everything; used when none is injected. */
export const silentLogger: Logger = { debug: silent, info: silent, warn: silent, error: silent };
