// What every console page sits in: a skip link, the header with the console's navigation and
// Sign out, and the main region its router fills.
import type { ComponentChildren } from "preact";
import { useLocation } from "preact-iso/router";
import iconUrl from "./icon.svg";

export interface NavigationItem {
  href: string;
  label: string;
}

export function ConsoleLayout(props: {
  /** The console's home page: current only on itself, not on every path under it. */
  home: string;
  brand: string;
  navigation: NavigationItem[];
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const { path } = useLocation();
  const current = (href: string) =>
    href === props.home
      ? path === href || `${path}/` === props.home
      : path === href || path.startsWith(`${href}/`);
  return (
    <>
      <a class="skip-link" href="#content">
        Skip to the page
      </a>
      <header class="top">
        <a class="brand" href={props.home}>
          <img src={iconUrl} alt="" width={24} height={24} /> {props.brand}
        </a>
        <nav aria-label="Console">
          <ul>
            {props.navigation.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={current(item.href) ? "page" : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="secondary" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}

/** After moving to another page, keyboard and screen reader users start at its content. */
export function focusMain() {
  document.getElementById("content")?.focus();
}
