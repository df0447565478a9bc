// What a browser downloads for each page of a console: the entry and everything it imports,
// the page's chunk and everything that imports, and the stylesheet; each file counted once.
import type { Metafile } from "esbuild";

export interface PageSize {
  page: string;
  /** Files the page loads to be drawn, JavaScript and CSS. */
  files: string[];
  /** JavaScript files it loads once drawn (laterJsGzipBytes). */
  laterFiles: string[];
  /** The JavaScript the page needs to be drawn. */
  jsGzipBytes: number;
  cssGzipBytes: number;
  /** JavaScript the page loads once it is drawn (its charts): chunks it imports dynamically. */
  laterJsGzipBytes: number;
}

export interface PageSizeOptions {
  /** The entry's output file (as the metafile names it). */
  main: string;
  /** A page's name from its entry point (its source file); undefined: a chunk, not a page. */
  pageName: (entryPoint: string) => string | undefined;
  gzippedBytes: (file: string) => number;
}

/** Sizes of the entry alone (`main`, the sign-in screen's cost) and of every page with it. */
export function pageSizes(metafile: Metafile, options: PageSizeOptions): PageSize[] {
  const outputs = metafile.outputs;
  const staticClosure = (file: string, into = new Set<string>()): Set<string> => {
    if (into.has(file)) return into;
    into.add(file);
    for (const imported of outputs[file]?.imports ?? []) {
      if (imported.kind === "import-statement") staticClosure(imported.path, into);
    }
    return into;
  };
  const css = outputs[options.main]?.cssBundle;
  const gzipped = (files: Iterable<string>, extension: string) =>
    [...files]
      .filter((file) => file.endsWith(extension))
      .reduce((total, file) => total + options.gzippedBytes(file), 0);
  // What the page's own chunks import dynamically, with their static imports, less what it has.
  const later = (page: Set<string>, isEntry: boolean): Set<string> => {
    const loaded = new Set<string>();
    if (isEntry) return loaded;
    for (const file of page) {
      if (main.has(file)) continue;
      for (const imported of outputs[file]?.imports ?? []) {
        if (imported.kind === "dynamic-import") staticClosure(imported.path, loaded);
      }
    }
    for (const file of page) loaded.delete(file);
    return loaded;
  };
  const measure = (page: string, files: Set<string>, isEntry = false): PageSize => {
    const loadedLater = later(files, isEntry);
    return {
      page,
      files: [...files, ...(css ? [css] : [])],
      laterFiles: [...loadedLater],
      jsGzipBytes: gzipped(files, ".js"),
      cssGzipBytes: css ? options.gzippedBytes(css) : 0,
      laterJsGzipBytes: gzipped(loadedLater, ".js"),
    };
  };
  const main: Set<string> = staticClosure(options.main);
  const pages = Object.entries(outputs)
    .flatMap(([file, output]) => {
      if (!output.entryPoint || file === options.main || !file.endsWith(".js")) return [];
      const name = options.pageName(output.entryPoint);
      return name === undefined ? [] : [measure(name, staticClosure(file, new Set(main)))];
    })
    .sort((a, b) => a.page.localeCompare(b.page));
  return [measure("(entry)", main, true), ...pages];
}
