//! Typed calls of the eMabler v2 Entity Management API.

use std::fmt;

use evsessions_core::http::{join_path, join_segments, AuthHeader};
use evsessions_core::{
    ChargingSession, Error, ExposeSecret, HttpClient, HttpResponse, RawRecord, Result,
};
use serde::de::DeserializeOwned;
use url::Url;

use crate::config::Config;
use crate::model::{
    ChargerDto, ListRequest, OngoingTransaction, OngoingTransactionsRequest, Paginated, SiteDto,
    Transaction, TransactionsRequest,
};
use crate::KIND;

/// Endpoint label of `POST /v2/transactions` (used in errors and logs).
pub const EP_TRANSACTIONS: &str = "POST /v2/transactions";
/// Endpoint label of `GET /v2/ongoing-transactions`.
pub const EP_ONGOING: &str = "GET /v2/ongoing-transactions";
/// Endpoint label of `GET /v2/sites`.
pub const EP_SITES: &str = "GET /v2/sites";
/// Endpoint label of `GET /v2/sites/{id}`.
pub const EP_SITE: &str = "GET /v2/sites/{id}";
/// Endpoint label of `GET /v2/chargers`.
pub const EP_CHARGERS: &str = "GET /v2/chargers";
/// Endpoint label of `GET /v2/chargers/{id}`.
pub const EP_CHARGER: &str = "GET /v2/chargers/{id}";

/// The eMabler client: typed calls, and [`evsessions_core::SessionSource`] for the session
/// stream. Cheap to clone; `Debug` never shows the API key.
#[derive(Clone)]
pub struct Client {
    config: Config,
    pub(crate) http: HttpClient,
    key_header: AuthHeader,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `config`.
    pub fn new(config: Config) -> Result<Client> {
        let http =
            HttpClient::new(KIND, config.http.clone())?.with_secrets([config.api_key.clone()]);
        http.check_base_url(&config.base_url)?;
        let key_header = AuthHeader::new(
            &KIND,
            "x-api-key",
            config.api_key.expose_secret(),
            crate::config::ENV_API_KEY,
        )?;
        Ok(Client {
            config,
            http,
            key_header,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    fn url(&self, path: &str) -> Url {
        join_path(&self.config.base_url, path)
    }

    fn by_id_url(&self, collection: &str, id: &str) -> Url {
        join_segments(&self.config.base_url, &["v2", collection, id])
    }

    /// `POST /v2/transactions`, one page, records as their JSON text exactly as received (what
    /// the session stream uses: each record is then decoded on its own, so one bad record does
    /// not fail the page).
    pub async fn transactions_raw(
        &self,
        body: &TransactionsRequest,
    ) -> Result<Paginated<RawRecord>> {
        let resp = self.transactions_response(body).await?;
        self.http.decode(EP_TRANSACTIONS, &resp)
    }

    /// `POST /v2/transactions`, the successful response not yet decoded.
    pub(crate) async fn transactions_response(
        &self,
        body: &TransactionsRequest,
    ) -> Result<HttpResponse> {
        let url = self.url("/v2/transactions");
        self.http
            .send(EP_TRANSACTIONS, |c| {
                self.key_header.apply(c.post(url.clone())).json(body)
            })
            .await
    }

    /// `POST /v2/transactions` ("Query charging sessions"), one page, typed. A record that
    /// cannot be decoded fails the call with [`Error::Decode`] naming the record and field.
    ///
    /// Paging is 1-based; follow `has_next_page`, and stop on an empty page too (or use the
    /// session stream, which does both).
    pub async fn transactions(&self, body: &TransactionsRequest) -> Result<Paginated<Transaction>> {
        let page = self.transactions_raw(body).await?;
        self.typed_page(page, EP_TRANSACTIONS, &["id"])
    }

    /// `GET /v2/ongoing-transactions`, one page, records as their JSON text exactly as received.
    pub async fn ongoing_transactions_raw(
        &self,
        query: &OngoingTransactionsRequest,
    ) -> Result<Paginated<RawRecord>> {
        let resp = self.ongoing_transactions_response(query).await?;
        self.http.decode(EP_ONGOING, &resp)
    }

    /// `GET /v2/ongoing-transactions`, the successful response not yet decoded.
    pub(crate) async fn ongoing_transactions_response(
        &self,
        query: &OngoingTransactionsRequest,
    ) -> Result<HttpResponse> {
        let url = self.url("/v2/ongoing-transactions");
        self.get(EP_ONGOING, &url, &query.query_pairs()).await
    }

    /// `GET /v2/ongoing-transactions`: sessions in progress, one page, typed.
    pub async fn ongoing_transactions(
        &self,
        query: &OngoingTransactionsRequest,
    ) -> Result<Paginated<OngoingTransaction>> {
        let page = self.ongoing_transactions_raw(query).await?;
        self.typed_page(page, EP_ONGOING, &["transactionId"])
    }

    /// `GET /v2/sites`, one page.
    pub async fn sites(&self, query: &ListRequest) -> Result<Paginated<SiteDto>> {
        let url = self.url("/v2/sites");
        let resp = self.get(EP_SITES, &url, &query.query_pairs()).await?;
        let page: Paginated<RawRecord> = self.http.decode(EP_SITES, &resp)?;
        self.typed_page(page, EP_SITES, &["id"])
    }

    /// `GET /v2/sites/{id}`. A 404 is [`Error::NotFound`] naming the id.
    pub async fn site(&self, id: &str) -> Result<SiteDto> {
        let url = self.by_id_url("sites", id);
        let resp = self.get_by_id(EP_SITE, &url, "site", id).await?;
        self.http.decode(EP_SITE, &resp)
    }

    /// `GET /v2/chargers`, one page.
    pub async fn chargers(&self, query: &ListRequest) -> Result<Paginated<ChargerDto>> {
        let url = self.url("/v2/chargers");
        let resp = self.get(EP_CHARGERS, &url, &query.query_pairs()).await?;
        let page: Paginated<RawRecord> = self.http.decode(EP_CHARGERS, &resp)?;
        self.typed_page(page, EP_CHARGERS, &["chargerId", "id"])
    }

    /// `GET /v2/chargers/{id}`. A 404 is [`Error::NotFound`] naming the id.
    pub async fn charger(&self, id: &str) -> Result<ChargerDto> {
        let url = self.by_id_url("chargers", id);
        let resp = self.get_by_id(EP_CHARGER, &url, "charger", id).await?;
        self.http.decode(EP_CHARGER, &resp)
    }

    async fn get(
        &self,
        endpoint: &str,
        url: &Url,
        query: &[(&'static str, String)],
    ) -> Result<HttpResponse> {
        self.http
            .send(endpoint, |c| {
                self.key_header.apply(c.get(url.clone()).query(query))
            })
            .await
    }

    async fn get_by_id(
        &self,
        endpoint: &str,
        url: &Url,
        what: &str,
        id: &str,
    ) -> Result<HttpResponse> {
        let resp = self
            .http
            .send_any(endpoint, |c| self.key_header.apply(c.get(url.clone())))
            .await?;
        if resp.status == 404 {
            return Err(Error::NotFound {
                vendor: KIND,
                what: format!("{what} {id:?}"),
            });
        }
        if !resp.is_success() {
            return Err(self.http.error_for(endpoint, &resp));
        }
        Ok(resp)
    }
}

/// Reading pages from their bodies, as the session stream does.
impl Client {
    /// Decode one record of a page from its text; errors name the record and the JSON path,
    /// with the API key masked.
    pub(crate) fn decode_record<T: DeserializeOwned>(
        &self,
        endpoint: &str,
        id_keys: &[&str],
        raw: &RawRecord,
    ) -> Result<T> {
        self.http.decode_record(endpoint, id_keys, raw)
    }

    /// The sessions of one body of `POST /v2/transactions`, as the session stream reads them:
    /// one parse of the page, each record decoded on its own from its text (a bad record is one
    /// `Err` in place), `raw` the record exactly as received. (The stream also drops the twins
    /// of ongoing sessions, which needs the ongoing list; this does not.)
    ///
    /// ```
    /// # fn main() -> evsessions_core::Result<()> {
    /// let client = emabler_client::Client::new(emabler_client::Config::builder().api_key("k").build()?)?;
    /// let body = br#"{"page":1,"hasNextPage":false,"items":[{"id":48213,"totalAmount":1.20}]}"#;
    /// let sessions = client.transactions_page_sessions(body)?;
    /// let s = sessions[0].as_ref().unwrap();
    /// assert_eq!((s.id.as_str(), s.raw.as_str()), ("48213", r#"{"id":48213,"totalAmount":1.20}"#));
    /// # Ok(()) }
    /// ```
    pub fn transactions_page_sessions(&self, body: &[u8]) -> Result<Vec<Result<ChargingSession>>> {
        let (_, sessions) = self.decode_transactions_page(EP_TRANSACTIONS, body, |r| {
            r.map(|(t, raw)| crate::normalize::transaction(t, raw))
        })?;
        Ok(sessions)
    }

    /// The sessions of one body of `GET /v2/ongoing-transactions`, like
    /// [`Client::transactions_page_sessions`].
    pub fn ongoing_page_sessions(&self, body: &[u8]) -> Result<Vec<Result<ChargingSession>>> {
        let (_, sessions) =
            self.decode_page::<OngoingTransaction, _>(EP_ONGOING, &["transactionId"], body, |r| {
                r.map(|(t, raw)| crate::normalize::ongoing(t, raw))
            })?;
        Ok(sessions)
    }

    /// One page of a listing as the session stream reads it: the envelope (its `items` taken
    /// out) and each record decoded on its own with its text and handed to `each`, in one
    /// pass over the body ([`evsessions_core::decode::decode_enveloped_records`]: `each` must
    /// be free of effects that must not repeat); errors masked.
    pub(crate) fn decode_page<T: DeserializeOwned, U>(
        &self,
        endpoint: &str,
        id_keys: &[&str],
        body: &[u8],
        each: impl FnMut(Result<(T, RawRecord)>) -> U,
    ) -> Result<(Paginated<RawRecord>, Vec<U>)> {
        self.http.decode_enveloped_records(
            endpoint,
            id_keys,
            body,
            &["items"],
            |p: &mut Paginated<RawRecord>| std::mem::take(&mut p.items),
            each,
        )
    }

    /// A finished-list page (`POST /v2/transactions`) as [`Client::decode_page`] reads it
    /// into [`Transaction`]s, each record read through the lean view
    /// ([`crate::normalize::Lean`], the same model without the texts that reach no session)
    /// where it can be, else through the model, which says what is wrong.
    pub(crate) fn decode_transactions_page<U>(
        &self,
        endpoint: &str,
        body: &[u8],
        mut each: impl FnMut(Result<(Transaction, RawRecord)>) -> U,
    ) -> Result<(Paginated<RawRecord>, Vec<U>)> {
        evsessions_core::decode::decode_enveloped_lean::<_, crate::normalize::Lean, _>(
            &KIND,
            endpoint,
            body,
            &["items"],
            |p: &mut Paginated<RawRecord>| std::mem::take(&mut p.items),
            |view, raw| {
                each(match view {
                    Some(lean) => Ok((lean.into_model(), raw)),
                    None => self
                        .decode_record::<Transaction>(endpoint, &["id"], &raw)
                        .map(|t| (t, raw)),
                })
            },
        )
        .map_err(|e| self.http.redact(e))
    }

    fn typed_page<T: DeserializeOwned>(
        &self,
        page: Paginated<RawRecord>,
        endpoint: &str,
        id_keys: &[&str],
    ) -> Result<Paginated<T>> {
        let items = page
            .items
            .iter()
            .map(|raw| self.decode_record(endpoint, id_keys, raw))
            .collect::<Result<Vec<T>>>()?;
        Ok(Paginated {
            page: page.page,
            limit: page.limit,
            total_records: page.total_records,
            has_next_page: page.has_next_page,
            has_previous_page: page.has_previous_page,
            items,
        })
    }
}
