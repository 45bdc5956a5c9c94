/**
 * The parts of Directus's hook `register` functions (`RegisterFunctions` in `@directus/types`)
 * the suite's hooks use, narrowed to what they read: Directus's own `action` and `filter` satisfy
 * these types as they are, and tests can pass plain recorders.
 */
export type ActionRegister = (event: string, handler: (meta: Record<string, unknown>, context: Record<string, unknown>) => void | Promise<void>) => void;

/** See {@link ActionRegister}. A filter handler returns the (possibly changed) payload. */
export type FilterRegister = (event: string, handler: (payload: unknown, meta: Record<string, unknown>, context: Record<string, unknown>) => unknown) => void;

/** Both register functions, for hooks that use both. */
export interface HookRegister {
	action: ActionRegister;
	filter: FilterRegister;
}
