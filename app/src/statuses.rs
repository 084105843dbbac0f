//! The portal's application statuses (`statusId`) with their Russian names (and English ones
//! for a widget in English), and okno's own states before the portal has an application.

/// One status of an application on the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortalStatus {
    pub id: u32,
    pub name_ru: &'static str,
    pub name_en: &'static str,
    /// No further status follows a final one.
    pub is_final: bool,
}

const fn status(
    id: u32,
    name_ru: &'static str,
    name_en: &'static str,
    is_final: bool,
) -> PortalStatus {
    PortalStatus {
        id,
        name_ru,
        name_en,
        is_final,
    }
}

pub const DRAFT: u32 = 0;
pub const REGISTERED: u32 = 17;
pub const SENT_TO_AGENCY: u32 = 21;
pub const RECEIVED_BY_AGENCY: u32 = 2;
pub const ACCEPTED: u32 = 6;
pub const NEEDS_CORRECTION: u32 = 15;
pub const PROVIDED: u32 = 3;
pub const REFUSED: u32 = 4;
pub const CANCELLED: u32 = 10;
pub const AGENCY_RECEIVE_ERROR: u32 = 22;
pub const PROCESSING_ERROR: u32 = 24;

pub const STATUSES: &[PortalStatus] = &[
    status(DRAFT, "Черновик заявления", "Draft application", false),
    status(
        REGISTERED,
        "Зарегистрировано на портале",
        "Registered on the portal",
        false,
    ),
    status(
        SENT_TO_AGENCY,
        "Заявление отправлено в ведомство",
        "Sent to the agency",
        false,
    ),
    status(
        RECEIVED_BY_AGENCY,
        "Заявление получено ведомством",
        "Received by the agency",
        false,
    ),
    status(
        ACCEPTED,
        "Принято ведомством",
        "Accepted by the agency",
        false,
    ),
    status(
        7,
        "Промежуточные результаты от ведомства",
        "Intermediate results from the agency",
        false,
    ),
    status(
        14,
        "Ожидание дополнительной информации от пользователя",
        "Waiting for more information from you",
        false,
    ),
    status(
        NEEDS_CORRECTION,
        "Заявление требует исправления",
        "The application needs correcting",
        false,
    ),
    status(PROVIDED, "Услуга оказана", "Service provided", true),
    status(
        REFUSED,
        "Отказано в предоставлении услуги",
        "The service was refused",
        true,
    ),
    status(
        5,
        "Ошибка отправки заявления в ведомство",
        "Sending to the agency failed",
        true,
    ),
    status(
        CANCELLED,
        "Заявление отменено",
        "Application cancelled",
        true,
    ),
    status(
        11,
        "Не удалось отменить заявление",
        "The application could not be cancelled",
        false,
    ),
    status(
        AGENCY_RECEIVE_ERROR,
        "Ошибка получения заявления ведомством",
        "The agency failed to receive the application",
        true,
    ),
    status(
        PROCESSING_ERROR,
        "Ошибка отправки / обработки заявления",
        "Sending or processing the application failed",
        true,
    ),
];

/// okno's own state of an application it has accepted and not yet handed to the portal.
pub const FORWARDING: PortalStatus = status(
    1000,
    "Заявление принято и передаётся на портал Госуслуг",
    "Application received and being passed to the Gosuslugi portal",
    false,
);

/// A status okno reports: the portal's, or okno's own [`FORWARDING`].
pub fn describe(id: u32) -> Option<PortalStatus> {
    if id == FORWARDING.id {
        Some(FORWARDING)
    } else {
        find(id)
    }
}

/// Whether no further status follows this one (unknown statuses are not final).
pub fn is_final(id: u32) -> bool {
    find(id).is_some_and(|status| status.is_final)
}

/// The status with this `statusId`, if the portal has one.
pub fn find(id: u32) -> Option<PortalStatus> {
    STATUSES.iter().copied().find(|status| status.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_the_final_ones_are_those_the_portal_closes() {
        let mut ids: Vec<u32> = STATUSES.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), STATUSES.len());
        let finals: Vec<u32> = STATUSES
            .iter()
            .filter(|s| s.is_final)
            .map(|s| s.id)
            .collect();
        assert_eq!(finals, [3, 4, 5, 10, 22, 24]);
    }

    #[test]
    fn names_are_the_portals() {
        assert_eq!(find(PROVIDED).map(|s| s.name_ru), Some("Услуга оказана"));
        assert_eq!(find(PROVIDED).map(|s| s.name_en), Some("Service provided"));
        assert_eq!(
            find(REGISTERED).map(|s| s.name_ru),
            Some("Зарегистрировано на портале")
        );
        assert!(find(99).is_none());
    }
}
