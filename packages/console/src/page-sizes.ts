// What a browser downloads for each page of a console: the entry and everything it imports,
// the page's chunk and everything that imports, and the stylesheet; each file counted once.
import type { Metafile } from "esbuild";

export interface PageSize {
  page: string;
  /** Files the page loads, JavaScript and CSS. */
  files: string[];
  jsGzipBytes: number;
  cssGzipBytes: number;
}

export interface PageSizeOptions {
  /** The entry's output file (as the metafile names it). */
  main: string;
  /** A page's name from its entry point (its source file). */
  pageName: (entryPoint: string) => string;
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
  const measure = (page: string, files: Set<string>): PageSize => {
    const all = [...files, ...(css ? [css] : [])];
    const sum = (extension: string) =>
      all
        .filter((file) => file.endsWith(extension))
        .reduce((total, file) => total + options.gzippedBytes(file), 0);
    return { page, files: all, jsGzipBytes: sum(".js"), cssGzipBytes: sum(".css") };
  };
  const main = staticClosure(options.main);
  const pages = Object.entries(outputs)
    .filter(([file, output]) => output.entryPoint && file !== options.main && file.endsWith(".js"))
    .map(([file, output]) =>
      measure(options.pageName(output.entryPoint ?? file), staticClosure(file, new Set(main))),
    )
    .sort((a, b) => a.page.localeCompare(b.page));
  return [measure("(entry)", main), ...pages];
}
