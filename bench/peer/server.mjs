// The benchmark's peer: @neo4j/graphql 7 on graphql-yoga, with type
// definitions mapped onto ActorGraph's own labels and properties (one
// :Actor label; one field per relationship type, properties on the edge),
// over the same Neo4j. NEO4J_URI and PORT say where; no authentication
// (the peer is asked as an admin would be).
import { createServer } from "node:http";
import { createYoga } from "graphql-yoga";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const types = ["TRUSTS", "ACCOUNTABLE_TO", "CONTROLS", "PROVIDES_SECURITY", "THREATENS", "REPRESENTS",
  "PARTICIPATES_IN", "INFLUENCES", "DIALOGUE", "SUPPORTS", "COOPERATES_WITH", "IN_TENSION_WITH"];
const field = (t) => t.toLowerCase().replace(/_([a-z])/g, (_, c) => c.toUpperCase());

const typeDefs = `
  type Actor @node(labels: ["Actor"]) {
    id: ID!
    workspaceId: String!
    kind: String!
    name: String!
    region: String
    description: String
    tags: [String!]
    externalId: String
    sensitivity: String!
    ${types.map((t) => `${field(t)}: [Actor!]! @relationship(type: "${t}", direction: OUT, properties: "Rel")`).join("\n    ")}
  }
  type Rel @relationshipProperties {
    id: ID!
    workspaceId: String!
    strength: Float!
    confidence: Float
    sensitivity: String!
  }
`;

const auth = process.env.NEO4J_USERNAME
  ? neo4j.auth.basic(process.env.NEO4J_USERNAME, process.env.NEO4J_PASSWORD || "")
  : undefined;
const driver = neo4j.driver(process.env.NEO4J_URI || "bolt://127.0.0.1:7687", auth);
const schema = await new Neo4jGraphQL({ typeDefs, driver }).getSchema();
const yoga = createYoga({ schema, graphiql: false, logging: "warn", maskedErrors: false });
const port = Number(process.env.PORT || 4000);
const server = createServer(yoga);
server.listen(port, "127.0.0.1", () => console.log(`peer ready on http://127.0.0.1:${port}/graphql`));
const stop = () => { server.closeAllConnections(); server.close(() => driver.close().then(() => process.exit(0))); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
