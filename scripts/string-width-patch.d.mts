import type {Plugin} from 'esbuild';

export declare const NARROW_SYMBOLS: string;
export declare function patchStringWidth(source: string, path: string): string;
export declare function stringWidthPlugin(): Plugin;
