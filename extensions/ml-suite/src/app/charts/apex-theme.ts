import type ApexCharts from 'apexcharts';

/**
 * What the suite's ApexCharts charts share (the Queue module's throughput chart and the Usage
 * module's charts): colours taken from the active Directus theme, and the options every chart
 * starts from. ApexCharts draws SVG with literal colours, so they are read from the theme's CSS
 * variables on the chart's host element each time the options are built.
 */

/** A theme variable's value on `host` (e.g. `--theme--primary`), or `fallback` before mount. */
export function themeColor(host: HTMLElement | null, name: string, fallback: string): string {
	const value = host ? getComputedStyle(host).getPropertyValue(name).trim() : '';
	return value || fallback;
}

/** Named series colours of the theme (success for completed work, danger for failures, …). */
export function themeColors(host: HTMLElement | null): { primary: string; secondary: string; success: string; warning: string; danger: string; foreground: string; border: string } {
	return {
		primary: themeColor(host, '--theme--primary', '#6644ff'),
		secondary: themeColor(host, '--theme--secondary', '#ff99dd'),
		success: themeColor(host, '--theme--success', '#2ecda7'),
		warning: themeColor(host, '--theme--warning', '#ffa439'),
		danger: themeColor(host, '--theme--danger', '#e35169'),
		foreground: themeColor(host, '--theme--foreground', '#4f5464'),
		border: themeColor(host, '--theme--border-color-subdued', '#e4eaf1'),
	};
}

/** The palette for charts with one series per group. */
export function groupPalette(host: HTMLElement | null): string[] {
	const c = themeColors(host);
	return [c.primary, c.secondary, c.success, c.warning, c.danger, '#3399ff'];
}

export interface BaseChartInput {
	type: 'bar' | 'line' | 'area';
	height: number;
	stacked?: boolean;
	/** Tick label format of the time axis (ApexCharts date format). */
	timeFormat: string;
	/** Tooltip title format. */
	tooltipFormat: string;
	emptyText: string;
}

/**
 * Options of a time-axis chart drawn in the Directus theme: no toolbar, zoom or animation,
 * local-time axis, the theme's text and grid colours, a shared tooltip. Callers add their
 * series, colours, axes titles and formatters.
 */
type Options = ApexCharts.ApexOptions;
export type BaseTimeChartOptions = Options & { xaxis: NonNullable<Options['xaxis']>; yaxis: Exclude<NonNullable<Options['yaxis']>, unknown[]>; tooltip: NonNullable<Options['tooltip']> };

export function baseTimeChartOptions(host: HTMLElement | null, input: BaseChartInput): BaseTimeChartOptions {
	const c = themeColors(host);
	return {
		chart: {
			type: input.type,
			stacked: input.stacked ?? false,
			height: input.height,
			toolbar: { show: false },
			animations: { enabled: false },
			zoom: { enabled: false },
			fontFamily: 'inherit',
			foreColor: c.foreground,
			background: 'transparent',
		},
		dataLabels: { enabled: false },
		grid: { borderColor: c.border },
		stroke: { width: input.type === 'bar' ? 0 : 2, curve: 'straight' },
		fill: { opacity: input.type === 'area' ? 0.25 : 1 },
		xaxis: { type: 'datetime', labels: { datetimeUTC: false, format: input.timeFormat } },
		yaxis: { min: 0, forceNiceScale: true },
		tooltip: { shared: true, intersect: false, x: { format: input.tooltipFormat } },
		noData: { text: input.emptyText },
	};
}
