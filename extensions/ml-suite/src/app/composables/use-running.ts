import { isRef, ref, type Ref } from 'vue';
import { errorMessage } from '../modules/queue/error-message.js';

/** Where a failure's message goes: a ref the component shows, or a handler (one that emits it to the parent). */
export type ErrorSink = Ref<string | null> | ((message: string) => void);

/**
 * An action behind a button: `running` is true while `run`'s action runs (the button's loading
 * state), and a failure is handed to `onError` as a message instead of being thrown.
 */
export function useRunning(onError: ErrorSink): { running: Ref<boolean>; run(action: () => Promise<void>): Promise<void> } {
	const running = ref(false);
	async function run(action: () => Promise<void>): Promise<void> {
		running.value = true;
		try {
			await action();
		} catch (e) {
			const message = errorMessage(e);
			if (isRef(onError)) onError.value = message;
			else onError(message);
		} finally {
			running.value = false;
		}
	}
	return { running, run };
}
