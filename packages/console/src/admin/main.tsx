import "../shared/styles.css";
import { render } from "preact";
import { AdminConsole } from "./app.tsx";

const root = document.getElementById("app");
if (root) render(<AdminConsole />, root);
