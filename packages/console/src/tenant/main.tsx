import "../shared/styles.css";
import { render } from "preact";
import { TenantConsole } from "./app.tsx";

const root = document.getElementById("app");
if (root) render(<TenantConsole />, root);
