import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

/**
 * Bumps `tick` every `intervalMs` while the browser tab is visible (a hidden tab would poll
 * for nothing), and once at once when the tab becomes visible again. Components watch `tick`.
 */
export function useAutoRefresh(intervalMs: number): { tick: Ref<number>; enabled: Ref<boolean>; refresh: () => void } {
	const tick = ref(0);
	const enabled = ref(true);
	let timer: ReturnType<typeof setInterval> | null = null;
	const refresh = (): void => {
		tick.value++;
	};
	const onVisibility = (): void => {
		if (!document.hidden && enabled.value) refresh();
	};
	onMounted(() => {
		timer = setInterval(() => {
			if (enabled.value && !document.hidden) refresh();
		}, intervalMs);
		document.addEventListener('visibilitychange', onVisibility);
	});
	onBeforeUnmount(() => {
		if (timer) clearInterval(timer);
		document.removeEventListener('visibilitychange', onVisibility);
	});
	return { tick, enabled, refresh };
}
