//! Trieve's `FileApi.get_image_file`: an image upload of the `TR-Dataset` by its file name, at
//! `/api/image`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::files::{send_download, Binary};
use super::Db;
use crate::domain::error::AppResult;
use crate::domain::files;
use crate::domain::grants::DatasetReader;
use crate::http::auth::Auth;
use crate::http::openapi::DatasetHeader;

#[derive(OpenApi)]
#[openapi(paths(get_image_file))]
pub struct ImageApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/{file_name}").route(web::get().to(get_image_file)));
}

crate::error_responses! {
    NoSuchImage => 404 "No such dataset, or no image of that name in it";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct ImagePath {
    /// The name the image was uploaded with.
    file_name: String,
}

/// An image of the dataset by its file name
///
/// The newest upload of that name with an `image/` type, its bytes with that type, as a
/// download is sent.
#[utoipa::path(get, path = "/{file_name}", params(ImagePath, DatasetHeader), responses(
    (status = 200, description = "The image's bytes, with its uploaded type", content_type = "image/*", body = inline(Binary)),
    DatasetReader, NoSuchImage))]
async fn get_image_file(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<ImagePath>,
) -> AppResult<HttpResponse> {
    let file_name = path.into_inner().file_name;
    let image = auth
        .read(&db, move |conn, reader| {
            files::image_by_name(conn, &reader, &file_name)
        })
        .await?;
    send_download(db, image)
}
