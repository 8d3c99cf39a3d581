//! Trieve's `ChunkApi`: chunks of the `TR-Dataset`, at `/api/chunk`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
use utoipa::openapi::{AllOfBuilder, ObjectBuilder, Ref, RefOr, Type};
use utoipa::{IntoParams, OpenApi, PartialSchema, ToSchema};

use super::{with_query_vector, Db};
use crate::config::Limits;
use crate::db::chunks::ChunkKey;
use crate::domain::chat::{self as chat, GenerateChunksRequest, SuggestedQueriesRequest};
use crate::domain::chunks::{self, ChunkRequest, ChunkUpdate, UpdateBy};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetAdmin, DatasetReader, Write};
use crate::domain::retrieval::{self, RecommendChunksRequest, SearchChunkData};
use crate::http::auth::Auth;
use crate::http::extract::{body_too_large, BatchJson, Json};
use crate::http::openapi::{DatasetHeader, JsonBody};
use crate::http::v1;
use crate::http::v1::chunks::{
    BatchQueuedChunkResponse, ChunkMetadata, ChunkMetadataWithFileData, ReturnCreatedChunk,
    SearchChunkQueryResponseBody, SuggestedQueriesResponse,
};
use crate::outside::embedding::Embeddings;
use crate::outside::llm::Llms;
use crate::types::ids::ChunkId;

#[derive(OpenApi)]
#[openapi(paths(
    create_chunk,
    search_chunks,
    recommend_chunks,
    generate_off_chunks,
    create_suggested_queries_handler,
    update_chunk_by_id,
    get_chunk_by_tracking_id,
    delete_chunk_by_tracking_id,
    update_chunk_by_tracking_id,
    get_chunk_by_id,
    delete_chunk_by_id
))]
pub struct ChunkApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::post().to(create_chunk)))
        .service(web::resource("/search").route(web::post().to(search_chunks)))
        .service(web::resource("/recommend").route(web::post().to(recommend_chunks)))
        .service(web::resource("/generate").route(web::post().to(generate_off_chunks)))
        .service(
            web::resource("/gen_suggestions")
                .route(web::post().to(create_suggested_queries_handler)),
        )
        .service(web::resource("/update").route(web::put().to(update_chunk_by_id)))
        .service(
            web::resource("/tracking_id/{tracking_id}")
                .route(web::get().to(get_chunk_by_tracking_id))
                .route(web::delete().to(delete_chunk_by_tracking_id))
                .route(web::put().to(update_chunk_by_tracking_id)),
        )
        .service(
            web::resource("/{chunk_id}")
                .route(web::get().to(get_chunk_by_id))
                .route(web::delete().to(delete_chunk_by_id)),
        );
}

crate::error_responses! {
    NoSuchChunk => 404 "No such dataset, or no such chunk in it";
    NoSuchPositive => 404 "No such dataset, or a positive chunk is not in it";
    NoSuchFile => 404 "No such dataset, or no file_uuid file in it";
    TrackingIdTaken => 409 "The tracking_id is taken in this dataset";
    EmbeddingUnusable => 502 "The embedding server's answer is unusable (semantic and hybrid search)";
    LlmFailed => 503 "The language model cannot be reached, is too slow, failed or is busy (400 without one: --llm-url)";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ChunkPath {
    /// The chunk's id.
    chunk_id: ChunkId,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct TrackingIdPath {
    /// The chunk's tracking id.
    tracking_id: String,
}

/// Create a chunk in the dataset, or a batch of them
///
/// One chunk (an object) is answered with it; an array of 1 to 120 is created in order in one
/// transaction (all or none; an error names the item, `[3].time_stamp`) and answered
/// `{"chunk_metadata": [...], "pos_in_queue": 0}` as Trieve's batch form is. A batch's body may
/// be 16 times the JSON limit. `upsert_by_tracking_id: true` with a `tracking_id` the dataset
/// has replaces that chunk instead of a 409. `chunk_vector`, when given, is stored as the
/// chunk's vector (every vector of a dataset has the same length: another is a 400 naming
/// both) and makes `qdrant_point_id` the chunk's id; `collection_id` bookmarks the chunk in that
/// collection of the dataset.
#[utoipa::path(post, path = "", params(DatasetHeader), request_body = ChunkRequest, responses(
    (status = 200, description = "The chunk, or the batch's chunks in order", body = CreatedChunks, links(
        ("Chunk" = (operation_id = "get_chunk_by_id", parameters(("chunk_id" = "$response.body#/chunk_metadata/id")))),
        ("UpdateChunk" = (operation_id = "update_chunk_by_id", request_body = json!({"chunk_uuid": "$response.body#/chunk_metadata/id"}))),
        ("DeleteChunk" = (operation_id = "delete_chunk_by_id", parameters(("chunk_id" = "$response.body#/chunk_metadata/id")))),
        ("AuthorChunks" = (operation_id = "user_with_chunks", parameters(("user_id" = "$response.body#/chunk_metadata/author_id"), ("page" = serde_json::json!(1))))))),
    Write<DatasetAdmin>, JsonBody, NoSuchFile, TrackingIdTaken))]
async fn create_chunk(
    db: Db,
    limits: web::Data<Limits>,
    auth: Auth<Write<DatasetAdmin>>,
    body: BatchJson<ChunkRequest>,
) -> AppResult<web::Json<CreatedChunks>> {
    match body.value {
        // One chunk is held to the JSON limit; only a batch may be larger.
        ChunkRequest::One(_) if body.length > limits.json_body_bytes => Err(body_too_large()),
        ChunkRequest::One(data) => auth
            .write(&db, move |tx, writer| {
                chunks::create_chunk(tx, &writer, *data)
            })
            .await
            .map(|created| web::Json(CreatedChunks::One(Box::new(created.into())))),
        ChunkRequest::Batch(batch) => {
            chunks::check_batch(&batch)?;
            // Up to 16 MiB of chunks: heavy work, which the light writes queued meanwhile are not
            // held behind.
            auth.write_heavy(&db, move |tx, writer| {
                chunks::create_chunks(tx, &writer, batch)
            })
            .await
            .map(|created| web::Json(CreatedChunks::Batch(created.into())))
        }
    }
}

/// What `POST /api/chunk` answers: the chunk, or the batch's chunks.
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
enum CreatedChunks {
    One(Box<ReturnCreatedChunk>),
    Batch(BatchQueuedChunkResponse),
}

/// Search the dataset's chunks
///
/// `semantic`: by meaning, the query embedded by the embedding server (`--embedding-url`; 400
/// without one, 503 when it cannot be reached in time, 502 when its answer is unusable), cosine
/// similarity with every vector of the dataset. `hybrid`: the full-text and semantic lists fused
/// by reciprocal rank (k = 60), weighted by `weights` [semantic, fulltext] when numbers.
/// Full text: every word must match (the last, while typed, also as a prefix of 3 letters or
/// more when it is not a word of the dataset), else any word; `"phrases"`; `-exclusions`; case,
/// diacritics and English word endings do not matter; a word that matches nothing is corrected
/// to the dataset's nearest words (one typo from 5 letters, two from 9). Ranked by BM25 over the
/// dataset times the chunk's weight (of more than 10,000 matches, the newest 10,000; the older
/// follow, newest first), ten a page; filters narrow the matches first. Matched words are
/// wrapped in `<b>` in the results' `chunk_html`.
#[utoipa::path(post, path = "/search", params(DatasetHeader), request_body = SearchChunkData,
    responses((status = 200, description = "A page of results, best first", body = SearchChunkQueryResponseBody),
        DatasetReader, JsonBody, EmbeddingUnusable))]
async fn search_chunks(
    db: Db,
    embeddings: web::Data<Embeddings>,
    auth: Auth<DatasetReader>,
    body: Json<SearchChunkData>,
) -> AppResult<web::Json<SearchChunkQueryResponseBody>> {
    let parsed = retrieval::Search::parse(body.into_inner());
    let (search, query_vector) = with_query_vector(&db, &embeddings, &auth, parsed).await?;
    let vectors = db.vectors();
    // A common word in a million chunks costs tens of milliseconds: a costly read.
    auth.read_costly(&db, move |conn, reader| {
        retrieval::search_chunks(conn, &vectors, &reader, search, query_vector)
    })
    .await
    .map(v1::json)
}

/// An answer from given chunks, streamed
///
/// Members with a read-write key (the operator's model is paid for); the language model (`--llm-url`) answers the conversation's last message from the
/// chunks' text. Nothing is stored.
#[utoipa::path(post, path = "/generate", params(DatasetHeader), request_body = GenerateChunksRequest,
    responses((status = 200, description = "The answer, streamed", content_type = "text/plain", body = String),
        Write<DatasetReader>, JsonBody, NoSuchChunk, LlmFailed))]
async fn generate_off_chunks(
    db: Db,
    llms: web::Data<Llms>,
    auth: Auth<Write<DatasetReader>>,
    body: Json<GenerateChunksRequest>,
) -> AppResult<HttpResponse> {
    let request = body.into_inner();
    auth.check(&db).await?;
    chat::model(request.model.as_deref(), llms.require()?.model())?;
    let messages = auth
        .read(&db, move |conn, reader| {
            chat::generation_prompt(conn, &reader, request)
        })
        .await?;
    let pieces = llms.stream(messages).await?;
    Ok(super::messages::streamed(
        String::new(),
        pieces,
        |_| async {},
    ))
}

/// Other queries like this one
///
/// Members with a read-write key (the operator's model is paid for); the language model (`--llm-url`) suggests up to five.
#[utoipa::path(post, path = "/gen_suggestions", params(DatasetHeader), request_body = SuggestedQueriesRequest,
    responses((status = 200, description = "The suggestions", body = SuggestedQueriesResponse),
        Write<DatasetReader>, JsonBody, LlmFailed))]
async fn create_suggested_queries_handler(
    db: Db,
    llms: web::Data<Llms>,
    auth: Auth<Write<DatasetReader>>,
    body: Json<SuggestedQueriesRequest>,
) -> AppResult<web::Json<SuggestedQueriesResponse>> {
    auth.check(&db).await?;
    let prompt = chat::suggestions_prompt(&body.into_inner().query)?;
    let answer = llms.answer(prompt).await?;
    let queries = chat::suggestions(&answer);
    if queries.is_empty() {
        log::warn!("the language model suggested no query: {answer:?}");
        return Err(AppError::BadGateway(
            "The language model suggested no query; try again".into(),
        ));
    }
    Ok(web::Json(SuggestedQueriesResponse { queries }))
}

/// Chunks like the given ones
///
/// Up to ten chunks of the dataset that share the given chunks' most distinctive words; the
/// given chunks are not among them.
#[utoipa::path(post, path = "/recommend", params(DatasetHeader), request_body = RecommendChunksRequest,
    responses((status = 200, description = "The most similar chunks, best first", body = Vec<ChunkMetadataWithFileData>),
        DatasetReader, JsonBody, NoSuchPositive))]
async fn recommend_chunks(
    db: Db,
    auth: Auth<DatasetReader>,
    body: Json<RecommendChunksRequest>,
) -> AppResult<web::Json<Vec<ChunkMetadataWithFileData>>> {
    let request = body.into_inner();
    let vectors = db.vectors();
    auth.read_costly(&db, move |conn, reader| {
        retrieval::recommend_chunks(conn, &vectors, &reader, request)
    })
    .await
    .map(v1::json_each)
}

async fn get_chunk(
    db: Db,
    auth: Auth<DatasetReader>,
    key: ChunkKey,
) -> AppResult<web::Json<ChunkMetadata>> {
    auth.read(&db, move |conn, reader| {
        chunks::get_chunk(conn, &reader, &key)
    })
    .await
    .map(v1::json)
}

async fn delete_chunk(
    db: Db,
    auth: Auth<Write<DatasetAdmin>>,
    key: ChunkKey,
) -> AppResult<HttpResponse> {
    auth.write(&db, move |tx, writer| {
        chunks::delete_chunk(tx, &writer, &key)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn update_chunk(
    db: Db,
    auth: Auth<Write<DatasetAdmin>>,
    update: ChunkUpdate,
    by: UpdateBy,
) -> AppResult<HttpResponse> {
    auth.write(&db, move |tx, writer| {
        chunks::update_chunk(tx, &writer, update, by)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A chunk of the dataset, by id
#[utoipa::path(get, path = "/{chunk_id}", params(ChunkPath, DatasetHeader),
    responses((status = 200, description = "The chunk", body = ChunkMetadata), DatasetReader, NoSuchChunk))]
async fn get_chunk_by_id(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<ChunkPath>,
) -> AppResult<web::Json<ChunkMetadata>> {
    get_chunk(db, auth, ChunkKey::Id(path.chunk_id)).await
}

/// Delete a chunk of the dataset, by id
#[utoipa::path(delete, path = "/{chunk_id}", params(ChunkPath, DatasetHeader),
    responses((status = 204, description = "Done"), Write<DatasetAdmin>, NoSuchChunk))]
async fn delete_chunk_by_id(
    db: Db,
    auth: Auth<Write<DatasetAdmin>>,
    path: web::Path<ChunkPath>,
) -> AppResult<HttpResponse> {
    delete_chunk(db, auth, ChunkKey::Id(path.chunk_id)).await
}

/// A chunk of the dataset, by tracking id
#[utoipa::path(get, path = "/tracking_id/{tracking_id}", params(TrackingIdPath, DatasetHeader),
    responses((status = 200, description = "The chunk", body = ChunkMetadata), DatasetReader, NoSuchChunk))]
async fn get_chunk_by_tracking_id(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<TrackingIdPath>,
) -> AppResult<web::Json<ChunkMetadata>> {
    get_chunk(
        db,
        auth,
        ChunkKey::TrackingId(path.into_inner().tracking_id),
    )
    .await
}

/// Delete a chunk of the dataset, by tracking id
#[utoipa::path(delete, path = "/tracking_id/{tracking_id}", params(TrackingIdPath, DatasetHeader),
    responses((status = 204, description = "Done"), Write<DatasetAdmin>, NoSuchChunk))]
async fn delete_chunk_by_tracking_id(
    db: Db,
    auth: Auth<Write<DatasetAdmin>>,
    path: web::Path<TrackingIdPath>,
) -> AppResult<HttpResponse> {
    delete_chunk(
        db,
        auth,
        ChunkKey::TrackingId(path.into_inner().tracking_id),
    )
    .await
}

/// Update a chunk of the dataset, named by chunk_uuid
///
/// Fields not sent keep their value; `updated_at` moves.
#[utoipa::path(put, path = "/update", params(DatasetHeader), request_body = UpdateChunkData,
    responses((status = 204, description = "Done"), Write<DatasetAdmin>, JsonBody, NoSuchChunk, TrackingIdTaken))]
async fn update_chunk_by_id(
    db: Db,
    auth: Auth<Write<DatasetAdmin>>,
    body: Json<ChunkUpdate>,
) -> AppResult<HttpResponse> {
    update_chunk(db, auth, body.into_inner(), UpdateBy::Id).await
}

/// Update a chunk of the dataset, named by tracking_id
///
/// Fields not sent keep their value; `updated_at` moves.
#[utoipa::path(put, path = "/tracking_id/update", params(DatasetHeader), request_body = UpdateChunkByTrackingIdData,
    responses((status = 204, description = "Done"), Write<DatasetAdmin>, JsonBody, NoSuchChunk))]
async fn update_chunk_by_tracking_id(
    db: Db,
    auth: Auth<Write<DatasetAdmin>>,
    path: web::Path<TrackingIdPath>,
    body: Json<ChunkUpdate>,
) -> AppResult<HttpResponse> {
    // This URL shares its pattern with a chunk whose tracking id is "update", so one resource
    // serves both and the PUT checks the last segment itself.
    if path.tracking_id != "update" {
        return Err(AppError::NotFound("Not found".into()));
    }
    update_chunk(db, auth, body.into_inner(), UpdateBy::TrackingId).await
}

/// `ChunkUpdate` with one field required and not null: the two chunk updates name the chunk
/// differently. Named as Trieve's client names the two bodies.
macro_rules! chunk_update_body {
    ($name:ident, $field:literal, $format:expr, $description:literal, $example:expr) => {
        #[doc = $description]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
                let field = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format($format);
                AllOfBuilder::new()
                    .item(Ref::from_schema_name(<ChunkUpdate as ToSchema>::name()))
                    .item(
                        ObjectBuilder::new()
                            .property($field, field)
                            .required($field),
                    )
                    .description(Some($description))
                    .examples([$example])
                    .into()
            }
        }

        impl ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<utoipa::openapi::schema::Schema>)>) {
                schemas.push((
                    <ChunkUpdate as ToSchema>::name().into(),
                    <ChunkUpdate as PartialSchema>::schema(),
                ));
                <ChunkUpdate as ToSchema>::schemas(schemas);
            }
        }
    };
}

chunk_update_body!(
    UpdateChunkData,
    "chunk_uuid",
    Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)),
    "A chunk update by id: `chunk_uuid` names the chunk; `tracking_id`, if sent, is its new tracking id.",
    json!({"chunk_uuid": "2f1e8c53-7a0b-4f3e-9d6c-1b2a3c4d5e6f", "chunk_html": "<p>Hello again</p>", "weight": 2.0})
);
chunk_update_body!(
    UpdateChunkByTrackingIdData,
    "tracking_id",
    None,
    "A chunk update by tracking id: `tracking_id` names the chunk.",
    json!({"tracking_id": "hello-1", "link": "https://example.com/hello"})
);
