import { ref, type Ref } from 'vue';
import { errorMessage } from '../modules/queue/error-message.js';

/**
 * State of an action that runs after a confirmation dialog: the dialog's `open` flag, `busy`
 * while it runs, and `run`, which shows a failure in `error` and closes the dialog either way.
 */
export function useConfirmedAction(error: Ref<string | null>): { open: Ref<boolean>; busy: Ref<boolean>; run(action: () => Promise<void>): Promise<void> } {
	const open = ref(false);
	const busy = ref(false);
	async function run(action: () => Promise<void>): Promise<void> {
		busy.value = true;
		try {
			await action();
		} catch (e) {
			error.value = errorMessage(e);
		} finally {
			busy.value = false;
			open.value = false;
		}
	}
	return { open, busy, run };
}
