//! The portal's application statuses (`statusId`) with their Russian names, and okno's own
//! states before the portal has an application.

/// One status of an application on the portal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortalStatus {
    pub id: u32,
    pub name_ru: &'static str,
    /// No further status follows a final one.
    pub is_final: bool,
}

const fn status(id: u32, name_ru: &'static str, is_final: bool) -> PortalStatus {
    PortalStatus {
        id,
        name_ru,
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

pub const STATUSES: &[PortalStatus] = &[
    status(DRAFT, "Черновик заявления", false),
    status(REGISTERED, "Зарегистрировано на портале", false),
    status(SENT_TO_AGENCY, "Заявление отправлено в ведомство", false),
    status(RECEIVED_BY_AGENCY, "Заявление получено ведомством", false),
    status(ACCEPTED, "Принято ведомством", false),
    status(7, "Промежуточные результаты от ведомства", false),
    status(
        14,
        "Ожидание дополнительной информации от пользователя",
        false,
    ),
    status(NEEDS_CORRECTION, "Заявление требует исправления", false),
    status(PROVIDED, "Услуга оказана", true),
    status(REFUSED, "Отказано в предоставлении услуги", true),
    status(5, "Ошибка отправки заявления в ведомство", true),
    status(CANCELLED, "Заявление отменено", true),
    status(11, "Не удалось отменить заявление", false),
    status(
        AGENCY_RECEIVE_ERROR,
        "Ошибка получения заявления ведомством",
        true,
    ),
    status(24, "Ошибка отправки / обработки заявления", true),
];

/// okno's own state of an application it has accepted and not yet handed to the portal.
pub const FORWARDING: PortalStatus = status(
    1000,
    "Заявление принято и передаётся на портал Госуслуг",
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
        assert_eq!(
            find(REGISTERED).map(|s| s.name_ru),
            Some("Зарегистрировано на портале")
        );
        assert!(find(99).is_none());
    }
}
