import { describe, expect, it } from 'vitest';
import { ref } from 'vue';
import { useConfirmedAction, useConfirmedActionOn } from './use-confirmed-action.js';

describe('useConfirmedAction', () => {
	it('is busy while the action runs and closes the dialog when it succeeds', async () => {
		const error = ref<string | null>(null);
		const confirmed = useConfirmedAction(error);
		confirmed.open.value = true;
		let busyDuring = false;
		await confirmed.run(async () => {
			busyDuring = confirmed.busy.value;
		});
		expect(busyDuring).toBe(true);
		expect(confirmed.busy.value).toBe(false);
		expect(confirmed.open.value).toBe(false);
		expect(error.value).toBeNull();
	});

	it('shows the failure, closes the dialog and is no longer busy', async () => {
		const error = ref<string | null>(null);
		const confirmed = useConfirmedAction(error);
		confirmed.open.value = true;
		await confirmed.run(async () => {
			throw new Error('queue is paused');
		});
		expect(error.value).toContain('queue is paused');
		expect(confirmed.busy.value).toBe(false);
		expect(confirmed.open.value).toBe(false);
	});
});

describe('useConfirmedActionOn', () => {
	it('opens the dialog for the subject asked about and runs the action on it', async () => {
		const error = ref<string | null>(null);
		const confirmed = useConfirmedActionOn<{ queue: string }>(error);
		const ran: string[] = [];
		await confirmed.run(async (subject) => {
			ran.push(subject.queue);
		});
		expect(ran).toEqual([]);
		confirmed.ask({ queue: 'ml-indexing' });
		expect(confirmed.open.value).toBe(true);
		await confirmed.run(async (subject) => {
			ran.push(subject.queue);
		});
		expect(ran).toEqual(['ml-indexing']);
		expect(confirmed.open.value).toBe(false);
		expect(confirmed.busy.value).toBe(false);
	});
});
