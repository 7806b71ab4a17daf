export declare const NARROW_SYMBOLS: string;
export declare const RGI_EMOJI_LINE: string;
export declare function patchStringWidth(source: string, path: string): string;
