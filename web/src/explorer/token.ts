// The token the server put in the page: the development token in the
// development environment (as GraphiQL had it), empty otherwise.
export function tokenFromPage(): string {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="actorgraph-token"]');
  return meta?.content ?? "";
}
