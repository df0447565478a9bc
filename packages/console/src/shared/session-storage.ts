// A console's credential, kept in this tab's sessionStorage only: closing the tab or signing out
// forgets it.

export interface StoredCredential {
  read(): string | undefined;
  save(value: string): void;
  forget(): void;
}

export function storedCredential(key: string): StoredCredential {
  return {
    read: () => sessionStorage.getItem(key) ?? undefined,
    save: (value) => sessionStorage.setItem(key, value),
    forget: () => sessionStorage.removeItem(key),
  };
}
