// Where the build writes the consoles, for the services that serve them.
import { fileURLToPath } from "node:url";

/** The built consoles, one folder each (`tenant/`, `admin/`), written by `pnpm --filter @sumo/console build`. */
export const CONSOLE_DIST_DIR = fileURLToPath(new URL("../dist/", import.meta.url));

/** The tenant console's files (index.html and assets/), served by the api at /console/. */
export const TENANT_CONSOLE_DIR = fileURLToPath(new URL("../dist/tenant/", import.meta.url));

/** The admin console's files, served by the admin service at /console/. */
export const ADMIN_CONSOLE_DIR = fileURLToPath(new URL("../dist/admin/", import.meta.url));

/** Where every console is served, on its own service's origin; the build writes its URLs. */
export const CONSOLE_BASE_PATH = "/console/";
