// GraphiQL, bundled with its styles so that the page needs nothing but
// this origin (the page GraphiQL's own package serves loads React and
// itself from a public CDN).
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createRoot } from "react-dom/client";
import { tokenFromPage } from "../explorer/token";

const token = tokenFromPage();
const fetcher = createGraphiQLFetcher({
  url: new URL("graphql", document.baseURI).toString(),
  headers: token ? { Authorization: `Bearer ${token}` } : {},
});

const root = document.getElementById("graphiql");
if (root) {
  root.textContent = "";
  createRoot(root).render(<GraphiQL fetcher={fetcher} />);
}
