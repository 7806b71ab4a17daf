import {useStdout} from 'ink';
import {useEffect, useState} from 'react';
import {useStore} from 'zustand';
import {type AppState, store} from '../store/state.js';
import {safeStrings} from '../text/safe-text.js';

/**
 * Reads the store; the one way views see state. Every string comes out safe for the terminal (see
 * safeText): the store keeps the true text of servers, configs and what was typed, and no view can draw
 * it raw by forgetting to escape it.
 */
export function useAppState<T>(selector: (state: AppState) => T): T {
  return useStore(store, (state) => safeStrings(selector(state)));
}

/** The terminal's size, following resizes. */
export function useTerminalSize(): {columns: number; rows: number} {
  const {stdout} = useStdout();
  const [size, setSize] = useState(() => sizeOf(stdout));
  useEffect(() => {
    const onResize = () => setSize(sizeOf(stdout));
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

function sizeOf(stdout: NodeJS.WriteStream): {columns: number; rows: number} {
  return {columns: stdout.columns || 80, rows: stdout.rows || 24};
}
