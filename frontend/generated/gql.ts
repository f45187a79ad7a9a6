/* eslint-disable */
import * as types from './graphql';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation CreateExample($data: ExampleInput!) {\n  createExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.CreateExampleDocument,
    "mutation DeleteExample($id: ID!) {\n  deleteExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.DeleteExampleDocument,
    "mutation DuplicateExample($id: ID!) {\n  duplicateExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.DuplicateExampleDocument,
    "query Example($id: ID!) {\n  example(id: $id) {\n    ...ExampleFields\n  }\n}": typeof types.ExampleDocument,
    "query Examples($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {\n  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ExampleFields\n    }\n  }\n}": typeof types.ExamplesDocument,
    "query Me {\n  me {\n    id\n    username\n    email\n    name\n    dateJoined\n    profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n  }\n}": typeof types.MeDocument,
    "mutation UpdateExample($data: ExamplePartialInput!) {\n  updateExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": typeof types.UpdateExampleDocument,
    "mutation UpdateProfile($data: ProfileInput!) {\n  updateProfile(data: $data) {\n    __typename\n    ... on Profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n    ...OperationMessages\n  }\n}": typeof types.UpdateProfileDocument,
    "fragment ExampleFields on Example {\n  id\n  title\n  content\n  createdAt\n  updatedAt\n}\n\nfragment OperationMessages on OperationInfo {\n  messages {\n    kind\n    field\n    message\n    code\n  }\n}": typeof types.ExampleFieldsFragmentDoc,
};
const documents: Documents = {
    "mutation CreateExample($data: ExampleInput!) {\n  createExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.CreateExampleDocument,
    "mutation DeleteExample($id: ID!) {\n  deleteExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.DeleteExampleDocument,
    "mutation DuplicateExample($id: ID!) {\n  duplicateExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.DuplicateExampleDocument,
    "query Example($id: ID!) {\n  example(id: $id) {\n    ...ExampleFields\n  }\n}": types.ExampleDocument,
    "query Examples($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {\n  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ExampleFields\n    }\n  }\n}": types.ExamplesDocument,
    "query Me {\n  me {\n    id\n    username\n    email\n    name\n    dateJoined\n    profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n  }\n}": types.MeDocument,
    "mutation UpdateExample($data: ExamplePartialInput!) {\n  updateExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}": types.UpdateExampleDocument,
    "mutation UpdateProfile($data: ProfileInput!) {\n  updateProfile(data: $data) {\n    __typename\n    ... on Profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n    ...OperationMessages\n  }\n}": types.UpdateProfileDocument,
    "fragment ExampleFields on Example {\n  id\n  title\n  content\n  createdAt\n  updatedAt\n}\n\nfragment OperationMessages on OperationInfo {\n  messages {\n    kind\n    field\n    message\n    code\n  }\n}": types.ExampleFieldsFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateExample($data: ExampleInput!) {\n  createExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').CreateExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DeleteExample($id: ID!) {\n  deleteExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').DeleteExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation DuplicateExample($id: ID!) {\n  duplicateExample(id: $id) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').DuplicateExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Example($id: ID!) {\n  example(id: $id) {\n    ...ExampleFields\n  }\n}"): typeof import('./graphql').ExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Examples($filters: ExampleFilter, $ordering: [ExampleOrder!], $pagination: OffsetPaginationInput) {\n  examples(filters: $filters, ordering: $ordering, pagination: $pagination) {\n    totalCount\n    pageInfo {\n      limit\n      offset\n    }\n    results {\n      ...ExampleFields\n    }\n  }\n}"): typeof import('./graphql').ExamplesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Me {\n  me {\n    id\n    username\n    email\n    name\n    dateJoined\n    profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n  }\n}"): typeof import('./graphql').MeDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateExample($data: ExamplePartialInput!) {\n  updateExample(data: $data) {\n    __typename\n    ...ExampleFields\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').UpdateExampleDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateProfile($data: ProfileInput!) {\n  updateProfile(data: $data) {\n    __typename\n    ... on Profile {\n      displayName\n      bio\n      timezone\n      updatedAt\n    }\n    ...OperationMessages\n  }\n}"): typeof import('./graphql').UpdateProfileDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment ExampleFields on Example {\n  id\n  title\n  content\n  createdAt\n  updatedAt\n}\n\nfragment OperationMessages on OperationInfo {\n  messages {\n    kind\n    field\n    message\n    code\n  }\n}"): typeof import('./graphql').ExampleFieldsFragmentDoc;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
