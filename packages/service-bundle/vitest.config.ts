import { defineConfig } from "vitest/config";
import { packageTestConfig } from "../../vitest.tiers.ts";

export default defineConfig(packageTestConfig());
