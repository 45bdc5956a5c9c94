import { ref, type Ref } from 'vue';
import { useRunning, type ErrorSink } from './use-running.js';

/**
 * State of an action that runs after a confirmation dialog: the dialog's `open` flag, `busy`
 * while it runs, and `run`, which hands a failure to `onError` and closes the dialog either way.
 */
export function useConfirmedAction(onError: ErrorSink): { open: Ref<boolean>; busy: Ref<boolean>; run(action: () => Promise<void>): Promise<void> } {
	const open = ref(false);
	const { running: busy, run: runAction } = useRunning(onError);
	async function run(action: () => Promise<void>): Promise<void> {
		await runAction(action);
		open.value = false;
	}
	return { open, busy, run };
}
