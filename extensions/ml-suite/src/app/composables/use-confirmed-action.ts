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

/**
 * A confirmed action on something the user picked (a row, a queue): `ask(subject)` remembers it
 * and opens the dialog; `run` runs the action on it (nothing when nothing was asked).
 */
export function useConfirmedActionOn<T>(onError: ErrorSink): { open: Ref<boolean>; busy: Ref<boolean>; asked: Ref<T | null>; ask(subject: T): void; run(action: (subject: T) => Promise<void>): Promise<void> } {
	const confirmed = useConfirmedAction(onError);
	const asked = ref(null) as Ref<T | null>;
	function ask(subject: T): void {
		asked.value = subject;
		confirmed.open.value = true;
	}
	async function run(action: (subject: T) => Promise<void>): Promise<void> {
		const subject = asked.value;
		if (subject === null) return;
		await confirmed.run(() => action(subject));
	}
	return { open: confirmed.open, busy: confirmed.busy, asked, ask, run };
}
