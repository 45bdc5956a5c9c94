/** The slice of a pino-style logger (Directus's `logger`) that core services use. */
export interface CoreLogger {
	warn(message: string): void;
	error(message: string): void;
}
